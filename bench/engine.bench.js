// The board-faithful build (collects inside gc_alloc, spilled pointers) against the official
// build it is made from, on the same scripts in the same process: the time of one exec, engine
// start not counted. Baseline: the official build with a heap big enough that it never needs
// to collect mid-run (it cannot). The board-faithful build runs with the same heap, and with a
// board-sized fixed heap, where it collects as a board would. Also: how long the transform
// takes (once per input binary; then it is cached).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boardGcBuild } from '../dist/engines/wasm/board-gc/cache.js';
import { execMs, SCRIPTS } from './scripts.js';

const ROUNDS = 15;

// ── the transform, once ──────────────────────────────────────────────────────────────────────
{
  const dir = mkdtempSync(join(tmpdir(), 'mpheap-bench-engine-'));
  const wasm = createRequire(import.meta.url).resolve(
    '@micropython/micropython-webassembly-pyscript/micropython.wasm',
  );
  const t0 = performance.now();
  // Each step is told as it starts: its time runs to the next one's start (or the end).
  const starts = [];
  await boardGcBuild(wasm, { cacheDir: dir, onStep: (s) => starts.push([s, performance.now()]) });
  const end = performance.now();
  const steps = starts.map(
    ([s, at], i) => `${s} ${(((starts[i + 1]?.[1] ?? end) - at) / 1000).toFixed(1)} s`,
  );
  console.log(
    `making the board-faithful build (once per input, then cached): ${((end - t0) / 1000).toFixed(1)} s`,
  );
  console.log(`  ${steps.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
}

// ── exec time, official vs board-faithful ────────────────────────────────────────────────────
const BIG = 2 * 1024 * 1024;
const BOARD = 112 * 1024;
console.log(
  `\nCPU time of one exec, median of ${ROUNDS} in warmed engines taking turns (ratio: board-faithful build / official build, same ${BIG / 1024 / 1024} MiB heap):`,
);
console.log(
  'script                                        official   board     ratio   board, fixed 112 KiB (collections per run)',
);
const ratios = [];
for (const [name, code] of SCRIPTS) {
  const [official, board, fixed] = await execMs(
    [
      { collector: 'top-level', heapSize: BIG },
      { collector: 'board-only', heapSize: BIG },
      { collector: 'board-only', heapSize: BOARD, fixed: true },
    ],
    code,
    ROUNDS,
  );
  const ratio = board.ms / official.ms;
  ratios.push(ratio);
  console.log(
    `${name.padEnd(44)} ${official.ms.toFixed(1).padStart(7)} ms ${board.ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2).padStart(5)}×  ${fixed.ms.toFixed(1).padStart(7)} ms (${fixed.collections})`,
  );
}
const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
console.log(`geometric mean ratio: ${geo.toFixed(2)}× (aim: ≤ 1.5×)`);
