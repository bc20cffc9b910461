/**
 * Makes the board-faithful engine build once before any test file runs (about 15 s the first
 * time on a fresh machine; then it is read from the cache), so no single test pays for it.
 */
import { createRequire } from 'node:module';
import { boardGcBuild } from '../../src/engines/wasm/board-gc/cache.js';

export default async function setup(): Promise<void> {
  const wasm = createRequire(import.meta.url).resolve(
    '@micropython/micropython-webassembly-pyscript/micropython.wasm',
  );
  await boardGcBuild(wasm);
}
