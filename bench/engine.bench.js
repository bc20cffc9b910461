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
import { HELPER_MODULE_NAME, HELPER_MODULE_SOURCE } from '../dist/engines/python/helper-module.js';
import { boardGcBuild } from '../dist/engines/wasm/board-gc/cache.js';
import { WasmEngine } from '../dist/engines/wasm/wasm-engine.js';
import { SCRIPTS } from './scripts.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ROUNDS = 15;

/**
 * CPU time of one exec of the script (this process's, which includes the engines' worker
 * threads), median over ROUNDS runs in warmed engines, each run from a collected heap, the
 * engines taking turns so that a busy moment of the machine falls on all of them: the engine's
 * start and V8's first compilation of the code paths are not counted.
 */
async function execMs(optsList, code) {
  const engines = [];
  for (const opts of optsList) {
    const engine = new WasmEngine(opts);
    await engine.load();
    await engine.provideModule(HELPER_MODULE_NAME, HELPER_MODULE_SOURCE);
    engines.push({ engine, times: [], collections: 0 });
  }
  const run = async (e) => {
    const r = await e.engine.exec(code, { onHeapEvent: (x) => x.type === 'collect' && e.collections++ });
    if (r.error) throw new Error(`${r.error.type}: ${r.error.message}`);
  };
  for (const e of engines) await run(e);
  for (const e of engines) e.collections = 0;
  for (let i = 0; i < ROUNDS; i++) {
    for (const e of engines) {
      // Every run starts from a collected heap (the official build collects when this exec
      // returns): otherwise the board-faithful build, which never collects at top level, would
      // search an ever fuller heap.
      await e.engine.exec("__import__('gc').collect()");
      const t0 = process.cpuUsage();
      await run(e);
      const t = process.cpuUsage(t0);
      e.times.push((t.user + t.system) / 1000);
    }
  }
  for (const e of engines) await e.engine.close();
  return engines.map((e) => ({ ms: median(e.times), collections: Math.round(e.collections / ROUNDS) }));
}

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
  );
  const ratio = board.ms / official.ms;
  ratios.push(ratio);
  console.log(
    `${name.padEnd(44)} ${official.ms.toFixed(1).padStart(7)} ms ${board.ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2).padStart(5)}×  ${fixed.ms.toFixed(1).padStart(7)} ms (${fixed.collections})`,
  );
}
const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
console.log(`geometric mean ratio: ${geo.toFixed(2)}× (aim: ≤ 1.5×)`);
