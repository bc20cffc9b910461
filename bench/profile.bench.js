// What `run --profile` costs: the board-faithful engine with its allocation profiler on, against
// the same engine with it off, on the same scripts in the same process (CPU time of one exec,
// engine start not counted). On a roomy heap the profiler sees allocations and frames; on a
// board-sized fixed heap it also counts the survivors after every collection.
import { HELPER_MODULE_NAME, HELPER_MODULE_SOURCE } from '../dist/engines/python/helper-module.js';
import { WasmEngine } from '../dist/engines/wasm/wasm-engine.js';
import { SCRIPTS } from './scripts.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ROUNDS = 9;

/** Median CPU time of one exec in each engine, the engines taking turns (see engine.bench.js). */
async function execMs(optsList, code) {
  const engines = [];
  for (const opts of optsList) {
    const engine = new WasmEngine(opts);
    await engine.load();
    await engine.provideModule(HELPER_MODULE_NAME, HELPER_MODULE_SOURCE);
    engines.push({ engine, times: [], collections: 0 });
  }
  const run = async (e) => {
    const r = await e.engine.exec(code, {
      onHeapEvent: (x) => x.type === 'collect' && e.collections++,
    });
    if (r.error) throw new Error(`${r.error.type}: ${r.error.message}`);
  };
  for (const e of engines) await run(e);
  for (const e of engines) e.collections = 0;
  for (let i = 0; i < ROUNDS; i++) {
    for (const e of engines) {
      await e.engine.exec("__import__('gc').collect()");
      const t0 = process.cpuUsage();
      await run(e);
      const t = process.cpuUsage(t0);
      e.times.push((t.user + t.system) / 1000);
    }
  }
  const sites = [];
  for (const e of engines) {
    const p = await e.engine.profile();
    sites.push(p ? p.sites.length : null);
    await e.engine.close();
  }
  return engines.map((e, i) => ({
    ms: median(e.times),
    collections: Math.round(e.collections / ROUNDS),
    sites: sites[i],
  }));
}

const ROOMY = 2 * 1024 * 1024;
const BOARD = 112 * 1024;
console.log(
  `CPU time of one exec, median of ${ROUNDS} in warmed engines taking turns (ratio: profiling / not profiling):`,
);
console.log(
  'script                                       roomy heap: off  profiled  ratio   fixed 112 KiB: off  profiled  ratio (collections)',
);
const ratios = [];
for (const [name, code] of SCRIPTS) {
  const [off, on, fixedOff, fixedOn] = await execMs(
    [
      { collector: 'board-only', heapSize: ROOMY },
      { collector: 'board-only', heapSize: ROOMY, profile: true },
      { collector: 'board-only', heapSize: BOARD, fixed: true },
      { collector: 'board-only', heapSize: BOARD, fixed: true, profile: true },
    ],
    code,
  );
  const r1 = on.ms / off.ms;
  const r2 = fixedOn.ms / fixedOff.ms;
  ratios.push(r1, r2);
  console.log(
    `${name.padEnd(44)} ${off.ms.toFixed(1).padStart(9)} ms ${on.ms.toFixed(1).padStart(7)} ms ${r1.toFixed(2).padStart(5)}×  ` +
      `${fixedOff.ms.toFixed(1).padStart(11)} ms ${fixedOn.ms.toFixed(1).padStart(7)} ms ${r2.toFixed(2).padStart(5)}× (${fixedOn.collections})`,
  );
}
const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
console.log(`geometric mean ratio: ${geo.toFixed(2)}× (aim: ≤ 2×)`);
