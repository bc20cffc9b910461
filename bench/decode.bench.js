// Decoder throughput: MB/s decoding mem_info text, beside a plain byte scan of the same bytes
// in the same run (the ratio is the figure), on a 4 MiB-heap dump held in memory and on a
// 100 MB log streamed from a temp file in 1 MiB chunks. Peak RSS shows memory stays flat.
// Times are CPU time (user + system, all threads: the file reads too), scan and decode taken
// in turns: on a shared machine wall time mostly measures the neighbours. Each ratio is the
// best decode against the best scan, with the spread of the per-round ratios beside it.
import { closeSync, createReadStream, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecoder } from '../dist/decode/index.js';
import { gcInfoOfMaps } from '../dist/heap/block-map.js';
import { formatAllocTable, formatGcInfoLines } from '../dist/heap/mem-info-format.js';

/** A deterministic heap map: objects of every type, holes, long free stretches. */
function makeMap(blocks, seed) {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const map = new Uint8Array(blocks).fill(0x2e);
  const letters = 'TLDSAFBMh';
  let b = 0;
  while (b < blocks) {
    if (r() < 0.01) {
      b += Math.floor(r() * 300);
      continue;
    }
    const len = Math.min(blocks - b, r() < 0.7 ? 1 + Math.floor(r() * 3) : 1 + Math.floor(r() * 60));
    map[b] = letters.charCodeAt(Math.floor(r() * letters.length));
    for (let i = 1; i < len; i++) map[b + i] = 0x3d;
    b += len + (r() < 0.3 ? Math.floor(r() * 4) : 0);
  }
  return map;
}

function memInfo(map, base) {
  const info = gcInfoOfMaps([map], 16);
  return (
    `stack: 432 out of 32768\r\n${formatGcInfoLines(info, 134217728)}` +
    formatAllocTable([{ baseText: base, map }], 16).replace(/\n/g, '\r\n')
  ).replace(/\r\r\n/g, '\r\n');
}

/** The baseline: touch every byte once (count newlines), the least any reader must do. */
function plainScan(bytes) {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) n++;
  return n;
}

function decodeBytes(bytes, chunk) {
  let snaps = 0;
  const d = createDecoder({ source: 'bench', onSnapshot: () => snaps++, onOutput: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) d.feed(bytes.subarray(i, i + chunk));
  d.end();
  return snaps;
}

/** The least CPU time (ms) of `reps` runs of `fn`. */
function best(fn, reps) {
  let bestMs = Number.POSITIVE_INFINITY;
  let result;
  for (let i = 0; i < reps; i++) {
    const before = process.cpuUsage();
    result = fn();
    const used = process.cpuUsage(before);
    bestMs = Math.min(bestMs, (used.user + used.system) / 1000);
  }
  return { ms: bestMs, result };
}

/** CPU milliseconds (user + system) that `fn` took, and its result. */
async function cpu(fn) {
  const before = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, result };
}

/**
 * `rounds` rounds of the scan, then the decode: the best of each, and the ratio of each round
 * (scan / decode), sorted. A round's ratio also shows V8's own threads (compiler, collector)
 * landing in one side or the other, hence the best of each as the figure.
 */
async function paired(rounds, scanFn, decodeFn) {
  let scanMs = Number.POSITIVE_INFINITY;
  let decodeMs = Number.POSITIVE_INFINITY;
  let result;
  const ratios = [];
  for (let i = 0; i < rounds; i++) {
    const s = await cpu(scanFn);
    const d = await cpu(decodeFn);
    result = d.result;
    scanMs = Math.min(scanMs, s.ms);
    decodeMs = Math.min(decodeMs, d.ms);
    ratios.push(s.ms / d.ms);
  }
  ratios.sort((a, b) => a - b);
  return { scanMs, decodeMs, result, ratios };
}

const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rows = [];

// 1. One mem_info(1) of a 4 MiB heap (262,144 blocks), in memory, fed in 64 KiB chunks; 40
//    rounds, after 10 to let V8 optimise both (its compiler threads count in the CPU time).
{
  const text = memInfo(makeMap((4 * 1024 * 1024) / 16, 1), '3ffb0000');
  const bytes = new TextEncoder().encode(text);
  await paired(
    5,
    () => plainScan(bytes),
    () => decodeBytes(bytes, 65536),
  );
  const r = await paired(
    40,
    () => plainScan(bytes),
    () => decodeBytes(bytes, 65536),
  );
  if (r.result !== 1) throw new Error(`expected 1 snapshot, got ${r.result}`);
  rows.push([
    '4 MiB-heap dump',
    bytes.length,
    mbps(bytes.length, r.scanMs),
    mbps(bytes.length, r.decodeMs),
    r.ratios,
  ]);
}

// 2. A 100 MB log: dumps of a 112 KiB heap amid program output, written to a temp file and
//    streamed back in 1 MiB chunks (never held whole).
{
  const path = join(tmpdir(), `mpheap-bench-${process.pid}.log`);
  const fd = openSync(path, 'w');
  const dumps = [0, 1, 2, 3].map((i) => memInfo(makeMap(114688 / 16 - 40, 10 + i), '2000a000'));
  const chatter = Array.from({ length: 40 }, (_, i) => `step ${i}: sensor=${(i * 37) % 1000} ok\r\n`).join(
    '',
  );
  let written = 0;
  let n = 0;
  const target = 100 * 1000 * 1000;
  while (written < target) {
    const part = Buffer.from(`${chatter}>>> run(${n})\r\n${dumps[n % 4]}`, 'latin1');
    writeSync(fd, part);
    written += part.length;
    n++;
  }
  closeSync(fd);
  const size = statSync(path).size;
  sampleRss();
  const stream = async (fn) => {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      fn(chunk);
      sampleRss();
    }
  };
  let lines = 0;
  const scanLog = async () => {
    lines = 0;
    await stream((c) => {
      lines += plainScan(c);
    });
  };
  const rssBefore = process.memoryUsage().rss;
  const decodeLog = async () => {
    let snaps = 0;
    const d = createDecoder({ source: 'bench', onSnapshot: () => snaps++, onOutput: () => {} });
    await stream((c) => d.feed(c));
    d.end();
    return snaps;
  };
  // Three rounds: 600 MB read, about 15 s of CPU on the development machine.
  const r = await paired(3, scanLog, decodeLog);
  rmSync(path);
  if (r.result !== n) throw new Error(`expected ${n} snapshots, got ${r.result}`);
  rows.push(['100 MB log (streamed)', size, mbps(size, r.scanMs), mbps(size, r.decodeMs), r.ratios]);
  rows.push([
    `  (${n} snapshots, ${lines} lines; RSS before decoding ${(rssBefore / 2 ** 20).toFixed(0)} MiB)`,
  ]);
}

console.log(
  'input                      bytes   plain scan MB/s   decode MB/s   ratio   per round (quartiles)',
);
for (const r of rows) {
  if (r.length === 1) {
    console.log(r[0]);
    continue;
  }
  const [name, bytes, scan, dec, ratios] = r;
  const q = (f) => ratios[Math.min(ratios.length - 1, Math.floor(f * ratios.length))];
  const spread = [q(0.25), q(0.5), q(0.75)].map((x) => x.toFixed(2)).join(' / ');
  console.log(
    `${name.padEnd(24)} ${String(bytes).padStart(10)} ${scan.toFixed(0).padStart(17)} ${dec.toFixed(0).padStart(13)} ${(dec / scan).toFixed(2).padStart(7)}   ${spread}`,
  );
}
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (the 100 MB log is never held whole)`);

// 3. Hostile input: what one bad size or a board that never prints a newline costs. Each is
//    timed (CPU, best of 10) beside the plain scan of the same bytes, with the heap growth it
//    caused (after gc).
{
  const heapUsed = () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  const dump = memInfo(makeMap(114688 / 16 - 40, 3), '2000a000');
  const firstRow = dump.indexOf('\r\n00000400: ');
  const cases = [
    [
      '(4294967295 lines all free)',
      `${dump}${dump.replace(/\r\n00000400: /, '\r\n       (4294967295 lines all free)\r\n00000400: ')}`,
      65536,
    ],
    ['20 dumps, a row at fffffc00', dump.replace(/\r\n00000400: /, '\r\nfffffc00: ').repeat(20), 65536],
    ['1 MB, no newline, 64 B reads', 'abcdefgh'.repeat(1 << 17), 64],
  ];
  if (firstRow < 0) throw new Error('no second row in the bench dump');
  console.log(
    '\nhostile input                       bytes   plain scan ms   decode ms   ratio   heap growth',
  );
  for (const [name, text, chunk] of cases) {
    const bytes = new TextEncoder().encode(text);
    const scan = best(() => plainScan(bytes), 10);
    const before = heapUsed();
    const dec = best(() => decodeBytes(bytes, chunk), 10);
    const grown = heapUsed() - before;
    console.log(
      `${name.padEnd(30)} ${String(bytes.length).padStart(10)} ${scan.ms.toFixed(2).padStart(15)} ${dec.ms.toFixed(1).padStart(11)} ${(scan.ms / dec.ms).toFixed(3).padStart(7)} ${(grown / 2 ** 20).toFixed(1).padStart(9)} MiB`,
    );
  }
}
