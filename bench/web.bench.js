// The web views in chromium (playwright-core + Debian's chromium):
//  - drawing the heap map of a 4 MiB heap (262,144 blocks): blocks → pixels → screen, against a
//    plain fillRect of the same canvas area (the least any canvas frame costs);
//  - switching snapshots on a 10,000-snapshot recording of a 112 KiB heap (the first 10,000
//    operations of the rand_big_1 golden trace, one snapshot each): stepping and jumping, from
//    select() until the page has rendered, against the same fillRect baseline;
//  - the size of that report, against the same snapshots as JSON arrays of characters and as an
//    NDJSON recording;
//  - the same recording as a `run --profile` would give it (each block's stack, the allocations
//    alive by stack, 500 stacks): the report's size and write time, switching snapshots with the
//    map by line, and drawing the icicle graph, each against the report without a profile.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { GcHeap, TYPE_ADDRESSES } from '../dist/heap/gc-heap.js';
import { heapLayout } from '../dist/heap/layout.js';
import { snapshotOfHeap } from '../dist/heap/snapshot-of-heap.js';
import { storeSnapshot } from '../dist/snapshot/serialize.js';
import { parseTrace } from '../dist/trace/parse.js';
import { snapshotsOfTrace } from '../dist/views/report/trace-snapshots.js';
import { writeReport } from '../dist/views/report/write-report.js';
import { median } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'test-results', 'bench');
mkdirSync(out, { recursive: true });
const shared = process.env.MPHEAP_SHARED ?? join(here, '..', '..', 'shared');

const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (x) => x.toFixed(3);
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;

// ---- a 4 MiB heap, filled by the model with objects of every type, then a third freed
function bigHeapSnapshots() {
  let bytes = 4 * 1024 * 1024;
  while (heapLayout(0x2000_0000, 0x2000_0000 + bytes, { wordSize: 4 }).blocks < 262_144) bytes += 64;
  const heap = new GcHeap({ bytes, wordSize: 4 });
  let seed = 12345;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const letters = Object.keys(TYPE_ADDRESSES);
  const live = [];
  // Stop at 75 % full: a failing alloc would collect, and with no roots that frees everything.
  let used = 0;
  while (used < heap.blocks * 0.75) {
    const n = 1 + (rand(8) === 0 ? rand(40) : rand(3));
    const p = heap.alloc(16 * n);
    if (p === 0) break;
    heap.writeWord(p, 0, TYPE_ADDRESSES[letters[rand(letters.length)]]);
    live.push(p);
    used += n;
  }
  const before = snapshotOfHeap(heap, { seq: 0, label: 'filled' });
  for (const p of live) if (rand(3) === 0) heap.free(p);
  const after = snapshotOfHeap(heap, { seq: 1, label: 'a third freed' });
  return [before, after];
}

// ---- 10,000 snapshots of a 112 KiB heap
function longRecording() {
  const text = readFileSync(join(shared, 'vectors', 'rand_big_1.trace'), 'utf8');
  const trace = parseTrace(text, 'rand_big_1.trace');
  trace.ops = trace.ops.slice(0, 10_000);
  return snapshotsOfTrace(trace, { wordSize: 4, maxSnapshots: 10_000, lines: text.split('\n') });
}

const big = bigHeapSnapshots();
const bigBlocks = big[0].areas[0].map.length;
const long = longRecording();
const blocks112 = long.snapshots[0].areas[0].map.length;

const bigFile = join(out, 'web-4mib.html');
writeFileSync(bigFile, writeReport(big, { title: '4 MiB heap' }));
const t0 = performance.now();
const longHtml = writeReport(long.snapshots, { events: long.events, title: 'rand_big_1, 10,000 snapshots' });
const writeMs = performance.now() - t0;
const longFile = join(out, 'web-10k.html');
writeFileSync(longFile, longHtml);
const bundle = readFileSync(join(here, '..', 'dist', 'web', 'mpheap-web.js')).length;
const asChars = long.snapshots.reduce(
  (n, s) => n + JSON.stringify([...s.areas[0].map].map((c) => String.fromCharCode(c))).length,
  0,
);
const asRecording = long.snapshots.reduce((n, s) => n + JSON.stringify(storeSnapshot(s)).length + 1, 0);
const reportBytes = Buffer.byteLength(longHtml);

console.log(`report of ${long.snapshots.length} snapshots × ${blocks112} blocks (112 KiB heap):`);
console.log(
  `  report file            ${kib(reportBytes)} (${ms(writeMs)} ms to write; web bundle ${kib(bundle)} of it)`,
);
console.log(`  per snapshot           ${((reportBytes - bundle) / long.snapshots.length).toFixed(0)} B`);
console.log(
  `  NDJSON recording       ${kib(asRecording)}  (report is ${(asRecording / reportBytes).toFixed(1)}× smaller)`,
);
console.log(
  `  JSON arrays of chars   ${kib(asChars)}  (report is ${(asChars / reportBytes).toFixed(0)}× smaller)`,
);

// ---- the same recording with a heap profile (as `run --profile` gives it): 500 stacks, each
// object owned by one (picked from where its head is), deep enough for a real icicle graph.
const STACKS = 500;
function syntheticProfile() {
  const frames = [{ file: 'app.py', line: 1, function: '<module>' }];
  for (let f = 0; f < 20; f++) frames.push({ file: 'app.py', line: 10 + f, function: `fn${f}` });
  const stacks = [];
  const lines = [];
  for (let k = 0; k < STACKS; k++) {
    frames.push({ file: 'app.py', line: 100 + k, function: `fn${k % 20}` });
    const owner = k % 25 === 0 ? 'mpheap' : 'script';
    stacks.push({
      frames: [0, 1 + (k % 20), 21 + k],
      owner,
      scriptFrame: 2,
      allocations: 10 + (k % 7),
      bytes: 16 * (10 + (k % 97)),
      aliveAtEnd: k % 3,
      aliveBytesAtEnd: 16 * (k % 3),
    });
    if (owner === 'script')
      lines.push({
        file: 'app.py',
        line: 100 + k,
        function: `fn${k % 20}`,
        allocations: 10 + (k % 7),
        bytes: 16 * (10 + (k % 97)),
        aliveAtEnd: k % 3,
        aliveBytesAtEnd: 16 * (k % 3),
        aliveAtPeak: null,
        text: `x${k} = bytearray(${k})`,
      });
  }
  lines.sort((a, b) => b.bytes - a.bytes);
  return {
    exact: true,
    precision: 'exact (synthetic, for the benchmark)',
    blockSize: 16,
    collections: 0,
    peakUsedBytes: null,
    frames,
    stacks,
    lines,
    functions: [],
    other: [],
    leaks: [],
  };
}
function withProfile(s) {
  const map = s.areas[0].map;
  const owners = new Int32Array(map.length).fill(-1);
  const alive = new Map();
  let owner = -1;
  for (let b = 0; b < map.length; b++) {
    const c = map[b];
    if (c === 0x2e) owner = -1;
    else if (c !== 0x3d) {
      owner = (b * 7 + c) % STACKS;
      const e = alive.get(owner) ?? [owner, 0, 0];
      e[1]++;
      alive.set(owner, e);
    }
    owners[b] = owner;
    if (owner >= 0) alive.get(owner)[2] += 16;
  }
  return { ...s, profile: { alive: [...alive.values()], owners: [owners] } };
}
const heapProfile = syntheticProfile();
const profiled = long.snapshots.map(withProfile);
const t1 = performance.now();
const profiledHtml = writeReport(profiled, {
  events: long.events,
  profile: heapProfile,
  title: 'rand_big_1 with a profile',
});
const profiledWriteMs = performance.now() - t1;
const profiledFile = join(out, 'web-10k-profile.html');
writeFileSync(profiledFile, profiledHtml);
const profiledBytes = Buffer.byteLength(profiledHtml);
const aliveEntries = profiled.reduce((n, s) => n + s.profile.alive.length, 0) / profiled.length;
console.log(
  `\nthe same with a heap profile (${STACKS} stacks; ${aliveEntries.toFixed(0)} alive per snapshot on average):`,
);
console.log(
  `  report file            ${kib(profiledBytes)} (${ms(profiledWriteMs)} ms to write; ${(profiledWriteMs / writeMs).toFixed(1)}× the write without)`,
);
console.log(
  `  per snapshot           ${((profiledBytes - reportBytes) / long.snapshots.length).toFixed(0)} B more than without (${(profiledBytes / reportBytes).toFixed(2)}× the report)`,
);
const ownersAsKeys = profiled.reduce(
  (n, s) =>
    n + JSON.stringify({ alive: s.profile.alive, owners: s.profile.owners.map((o) => [...o]) }).length,
  0,
);
console.log(
  `  profiles whole, as JSON ${kib(ownersAsKeys)}  (packed is ${(ownersAsKeys / (profiledBytes - reportBytes)).toFixed(0)}× smaller)`,
);

/**
 * Runs in the page: select() to rendered page, stepping through the first 200 snapshots, then
 * 200 jumps to random ones (a fixed seed, so every run jumps alike).
 */
async function switchTimes() {
  const go = async (i) => {
    const done = window.mpheap.rendered();
    const t = performance.now();
    window.mpheap.select(i);
    await done;
    return performance.now() - t;
  };
  const n = window.mpheap.session.snapshots.length;
  await go(0);
  const step = [];
  for (let i = 1; i < 200; i++) step.push(await go(i));
  const jump = [];
  let seed = 7;
  for (let k = 0; k < 200; k++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    jump.push(await go((seed >>> 8) % n));
  }
  return { n, step, jump };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // ---- map draw
  await page.goto(`file://${bigFile}`);
  await page.waitForFunction(() => window.mpheap?.canvas() != null);
  const draw = await page.evaluate(() => {
    const c = window.mpheap.canvas();
    const ctx = c.canvas.getContext('2d');
    const sync = () => ctx.getImageData(0, 0, 1, 1); // wait for the pixels, not just the command
    const fill = [];
    const paint = [];
    for (let k = 0; k < 25; k++) {
      // 20 fills per sample: one is below the browser's timer resolution.
      let t = performance.now();
      for (let j = 0; j < 20; j++) {
        ctx.fillStyle = j % 2 ? '#abcdef' : '#fedcba';
        ctx.fillRect(0, 0, c.canvas.width, c.canvas.height);
        sync();
      }
      fill.push((performance.now() - t) / 20);
      t = performance.now();
      c.repaint();
      sync();
      paint.push(performance.now() - t);
    }
    return { fill, paint, cell: c.cell, w: c.canvas.width, h: c.canvas.height };
  });
  const fillMs = median(draw.fill);
  console.log(
    `\nheap map, ${bigBlocks} blocks (4 MiB), canvas ${draw.w}×${draw.h} at ${draw.cell} px/block, median of 25:`,
  );
  console.log(`  fillRect of the canvas (baseline)  ${ms(fillMs)} ms`);
  console.log(
    `  full map draw                      ${ms(median(draw.paint))} ms  p95 ${ms(p95(draw.paint))}  (${(median(draw.paint) / fillMs).toFixed(1)}× baseline)`,
  );

  // ---- snapshot switching
  await page.goto(`file://${longFile}`);
  await page.waitForFunction(() => window.mpheap?.canvas() != null);
  const sw = await page.evaluate(switchTimes);
  const fill = await page.evaluate(() => {
    const c = window.mpheap.canvas();
    const ctx = c.canvas.getContext('2d');
    const fill = [];
    for (let k = 0; k < 25; k++) {
      const t = performance.now();
      for (let j = 0; j < 20; j++) {
        ctx.fillStyle = j % 2 ? '#abcdef' : '#fedcba';
        ctx.fillRect(0, 0, c.canvas.width, c.canvas.height);
        ctx.getImageData(0, 0, 1, 1);
      }
      fill.push((performance.now() - t) / 20);
    }
    return fill;
  });
  const fill2 = median(fill);
  console.log(`\nswitching snapshots, ${sw.n} snapshots of ${blocks112} blocks, select() to rendered page:`);
  console.log(`  fillRect of the map canvas (baseline)  ${ms(fill2)} ms`);
  console.log(
    `  step to the next (199)                 median ${ms(median(sw.step))} ms  p95 ${ms(p95(sw.step))}  (${(median(sw.step) / fill2).toFixed(1)}× baseline)`,
  );
  console.log(
    `  jump anywhere (200 random)             median ${ms(median(sw.jump))} ms  p95 ${ms(p95(sw.jump))}  (${(median(sw.jump) / fill2).toFixed(1)}× baseline)`,
  );

  // ---- the same with the profile: by line on the map, then the icicle graph
  await page.goto(`file://${profiledFile}`);
  await page.waitForFunction(() => window.mpheap?.canvas() != null);
  await page.getByTestId('view-lines').check();
  const pw = await page.evaluate(switchTimes);
  const icicleTimes = await page.evaluate(async () => {
    // The icicle graph: a change of measure lays out and draws every box again.
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const icicle = [];
    const keys = ['allocations', 'bytes'];
    for (let k = 0; k < 24; k++) {
      const t = performance.now();
      document.querySelector(`[data-testid=measure-${keys[k % 2]}]`).click();
      await frame();
      icicle.push(performance.now() - t);
    }
    const idle = [];
    for (let k = 0; k < 24; k++) {
      const t = performance.now();
      await frame();
      idle.push(performance.now() - t);
    }
    return { icicle, idle, boxes: document.querySelectorAll('[data-testid=icicle-box]').length };
  });
  console.log(`\nthe same recording with its profile, the map by line (${STACKS} stacks):`);
  console.log(
    `  step to the next (199)                 median ${ms(median(pw.step))} ms  p95 ${ms(p95(pw.step))}  (${(median(pw.step) / median(sw.step)).toFixed(1)}× without a profile)`,
  );
  console.log(
    `  jump anywhere (200 random)             median ${ms(median(pw.jump))} ms  p95 ${ms(p95(pw.jump))}  (${(median(pw.jump) / median(sw.jump)).toFixed(1)}× without a profile)`,
  );
  console.log(
    `  icicle graph, ${icicleTimes.boxes} boxes: change of measure to next frame  median ${ms(median(icicleTimes.icicle))} ms  p95 ${ms(p95(icicleTimes.icicle))}  (an idle frame: ${ms(median(icicleTimes.idle))} ms)`,
  );
} finally {
  await browser.close();
}
