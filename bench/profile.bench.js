// What `run --profile` costs: the board-faithful engine with its allocation profiler on, against
// the same engine with it off, on the same scripts in the same process (CPU time of one exec,
// engine start not counted). On a roomy heap the profiler sees allocations and frames; on a
// board-sized fixed heap it also counts the survivors after every collection.
import { execMs, SCRIPTS } from './scripts.js';

const ROUNDS = 9;

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
    ROUNDS,
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
