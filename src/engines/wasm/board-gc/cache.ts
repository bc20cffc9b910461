/**
 * The board-faithful build is made once per input binary and kept outside the repository, in
 * `$MPHEAP_CACHE_DIR`, else `$XDG_CACHE_HOME/mpheap`, else `~/.cache/mpheap`. An entry is keyed
 * by the input's SHA-256, the transform's version and binaryen's, and is used only if its bytes
 * still have the SHA-256 written beside them: a torn or altered file is rebuilt, never run.
 * Two processes building at once each write a temporary file and rename it into place.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type HeapLayout, type TransformStep, transformForBoardGc } from './transform.js';

/** Bump when the transform's output changes, so old cache entries are not used. */
export const TRANSFORM_VERSION = 4;

/** Builds whose transform has been verified (the torture suite, the emulated board), by SHA-256. */
export const VERIFIED_BUILDS: Readonly<Record<string, string>> = {
  '06338c955b03c5700aa0069015d3e392d76836ef8e2ce25bedbe59b88ccd373c': '1.27.0',
};

export interface BoardGcBuild {
  /** The transformed binary. */
  wasmPath: string;
  layout: HeapLayout;
  inputSha256: string;
  /** True when this input is one of VERIFIED_BUILDS. */
  verified: boolean;
  /** True when it was built just now (false: taken from the cache). */
  built: boolean;
}

interface CacheMeta {
  inputSha256: string;
  outputSha256: string;
  transformVersion: number;
  binaryen: string;
  layout: HeapLayout;
  spillFrames: unknown;
}

export function defaultCacheDir(): string {
  if (process.env.MPHEAP_CACHE_DIR) return process.env.MPHEAP_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg?.startsWith('/') ? xdg : join(homedir(), '.cache'), 'mpheap');
}

export async function boardGcBuild(
  inputPath: string,
  opts: { cacheDir?: string; onStep?: (step: TransformStep) => void } = {},
): Promise<BoardGcBuild> {
  const input = readFileSync(inputPath);
  const inputSha256 = sha256(input);
  const dir = opts.cacheDir ?? defaultCacheDir();
  const binaryen = binaryenVersion();
  const stem = join(dir, `board-gc-${inputSha256.slice(0, 16)}-t${TRANSFORM_VERSION}-b${binaryen}`);
  const verified = VERIFIED_BUILDS[inputSha256] !== undefined;

  const cached = readEntry(stem, inputSha256, binaryen);
  if (cached) return { wasmPath: `${stem}.wasm`, layout: cached.layout, inputSha256, verified, built: false };

  const result = await transformForBoardGc(input, opts.onStep);
  const meta: CacheMeta = {
    inputSha256,
    outputSha256: sha256(result.wasm),
    transformVersion: TRANSFORM_VERSION,
    binaryen,
    layout: result.layout,
    spillFrames: result.spillFrames,
  };
  mkdirSync(dir, { recursive: true });
  const tmp = `.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(`${stem}.wasm${tmp}`, result.wasm);
    writeFileSync(`${stem}.json${tmp}`, `${JSON.stringify(meta, null, 1)}\n`);
    // The binary first: an entry is only read when its description says what the binary is.
    renameSync(`${stem}.wasm${tmp}`, `${stem}.wasm`);
    renameSync(`${stem}.json${tmp}`, `${stem}.json`);
  } finally {
    rmSync(`${stem}.wasm${tmp}`, { force: true });
    rmSync(`${stem}.json${tmp}`, { force: true });
  }
  return { wasmPath: `${stem}.wasm`, layout: result.layout, inputSha256, verified, built: true };
}

function readEntry(stem: string, inputSha256: string, binaryen: string): CacheMeta | null {
  try {
    const meta = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as CacheMeta;
    if (
      meta.inputSha256 !== inputSha256 ||
      meta.transformVersion !== TRANSFORM_VERSION ||
      meta.binaryen !== binaryen ||
      sha256(readFileSync(`${stem}.wasm`)) !== meta.outputSha256
    )
      return null;
    return meta;
  } catch {
    return null;
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function binaryenVersion(): string {
  try {
    const main = createRequire(import.meta.url).resolve('binaryen');
    return (JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}
