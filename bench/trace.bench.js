// Trace parsing against a plain byte scan of the same file (count the newlines: the least any
// reader of a line format must do), both measured in the same process, in CPU time:
// - fresh: a new node process reads the file, scans it, then parses it, as `mpheap sim` does
//   once per run (nothing optimized yet); the median of 9 processes;
// - warm: the same in this process after warming both up (the best of 20 runs each).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseTrace } from '../dist/trace/parse.js';
import { cpuMs, median } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = process.env.MPHEAP_SHARED
  ? join(process.env.MPHEAP_SHARED, 'vectors')
  : resolve(here, '..', '..', 'shared', 'vectors');
const parseModule = pathToFileURL(join(here, '..', 'dist', 'trace', 'parse.js')).href;

function byteScan(bytes) {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) n++;
  return n;
}

// The fresh process: the scan and the parse as the CLI meets them, each timed by CPU.
const FRESH = `
const { readFileSync } = await import('node:fs');
const { parseTrace } = await import(${JSON.stringify(parseModule)});
const cpu = (fn) => { const t = process.cpuUsage(); fn(); const d = process.cpuUsage(t); return (d.user + d.system) / 1000; };
const bytes = readFileSync(process.argv[1]);
const scan = cpu(() => { let n = 0; for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) n++; return n; });
const parse = cpu(() => parseTrace(bytes.toString('latin1'), process.argv[1]));
console.log(JSON.stringify({ scan, parse }));
`;

console.log(
  'Trace parsing, CPU ms: parseTrace (text from latin1 bytes) against a byte scan of the same file',
);
console.log(
  'trace              bytes    lines   fresh: scan  parse  parse/scan   warm: scan  parse  parse/scan',
);
for (const name of ['rand_big_2', 'rand_big_1', 'heap_1mib_workout']) {
  const file = join(vectors, `${name}.trace`);
  const bytes = readFileSync(file);
  const fresh = [];
  for (let i = 0; i < 9; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', FRESH, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    fresh.push(JSON.parse(r.stdout));
  }
  const fs = median(fresh.map((x) => x.scan));
  const fp = median(fresh.map((x) => x.parse));
  const fr = median(fresh.map((x) => x.parse / x.scan));
  const text = () => bytes.toString('latin1');
  for (let i = 0; i < 5; i++) {
    byteScan(bytes);
    parseTrace(text(), name);
  }
  const ws = Math.min(...Array.from({ length: 20 }, () => cpuMs(() => byteScan(bytes))));
  const wp = Math.min(...Array.from({ length: 20 }, () => cpuMs(() => parseTrace(text(), name))));
  const lines = byteScan(bytes);
  console.log(
    `${name.padEnd(18)} ${String(bytes.length).padEnd(8)} ${String(lines).padEnd(7)} ` +
      `${fs.toFixed(2).padStart(11)} ${fp.toFixed(1).padStart(6)} ${`${fr.toFixed(1)}×`.padStart(10)}   ` +
      `${ws.toFixed(2).padStart(10)} ${wp.toFixed(1).padStart(6)} ${`${(wp / ws).toFixed(1)}×`.padStart(10)}`,
  );
}
