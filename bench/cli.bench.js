// How long mpheap takes to start, in CPU time (user + system, the whole process): `mpheap
// --version`, `mpheap --help` and `mpheap COMMAND --help` for every command, against `node -e 0`
// run in the same rounds (paired: each round runs the baseline and every command once; the
// figures are medians over the rounds). Then `mpheap sim` on the largest golden traces: its CPU
// minus that of `mpheap --version`, the computing a run adds to the start.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, commandName } from '../dist/cli/commands/index.js';
import { median } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'mpheap.js');
const preload = join(here, 'cpu-at-exit.cjs');
const vectors = process.env.MPHEAP_SHARED
  ? join(process.env.MPHEAP_SHARED, 'vectors')
  : resolve(here, '..', '..', 'shared', 'vectors');
const ROUNDS = 9;

/** CPU ms of one node process running `args` (after the preload that reports it). */
function processCpu(args) {
  const r = spawnSync(process.execPath, ['-r', preload, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /mpheap-bench-cpu-ms ([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`no CPU figure from node ${args.join(' ')}: ${r.stderr}`);
  return Number(m[1]);
}

const starts = [
  ['node -e 0 (baseline)', ['-e', '0']],
  ['mpheap --version', [bin, '--version']],
  ['mpheap --help', [bin, '--help']],
  ...COMMANDS.map((c) => [`mpheap ${commandName(c)} --help`, [bin, commandName(c), '--help']]),
];
const samples = starts.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  starts.forEach(([, args], i) => {
    samples[i].push(processCpu(args));
  });
}
const base = median(samples[0]);
console.log(`Start-up, CPU ms of the whole process (median of ${ROUNDS} paired rounds)`);
console.log('command                      CPU ms   over node -e 0   × node -e 0');
starts.forEach(([label], i) => {
  // The difference per round, then its median: the pairing cancels most of the machine's drift.
  const over = median(samples[i].map((x, r) => x - samples[0][r]));
  const m = median(samples[i]);
  console.log(
    `${label.padEnd(28)} ${m.toFixed(0).padStart(6)}   ${(i === 0 ? '—' : `+${over.toFixed(0)}`).padStart(14)}   ${(m / base).toFixed(2).padStart(11)}`,
  );
});

console.log(
  `\nmpheap sim TRACE (w4): CPU ms of the run minus that of mpheap --version (median of 5 paired rounds)`,
);
console.log('trace              sim ms   --version ms   compute ms');
for (const name of ['rand_big_2', 'rand_big_1', 'heap_1mib_workout']) {
  const sim = [];
  const version = [];
  for (let round = 0; round < 5; round++) {
    version.push(processCpu([bin, '--version']));
    sim.push(processCpu([bin, 'sim', join(vectors, `${name}.trace`)]));
  }
  const compute = median(sim.map((x, r) => x - version[r]));
  console.log(
    `${name.padEnd(18)} ${median(sim).toFixed(0).padStart(6)}   ${median(version).toFixed(0).padStart(12)}   ${compute.toFixed(0).padStart(10)}`,
  );
}
