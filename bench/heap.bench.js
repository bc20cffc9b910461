// The heap model's speed, warm and in-process, in CPU time:
// 1. the largest golden traces replayed (parsed beforehand), against MicroPython's own gc.c
//    replaying them in its native harness (MPHEAP_NATIVE_GC, docs/native-baseline.md), in paired
//    rounds: each round times both, and the figure is the median of the rounds' ratios;
// 2. one collection of a full 1 MiB heap of linked 1-block objects, against the same native
//    collection and against a plain JavaScript loop reading every word of the pool once (the
//    least any mark phase must do), measured in the same run.
// Without MPHEAP_NATIVE_GC only the in-repo baselines are printed, and the bench says so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heapLayout } from '../dist/heap/layout.js';
import { parseTrace } from '../dist/trace/parse.js';
import { runTrace } from '../dist/trace/run.js';
import { cpuMs, median } from './measure.js';
import { describeNative, nativeHarnesses, runNative } from './native-gc.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = process.env.MPHEAP_SHARED
  ? join(process.env.MPHEAP_SHARED, 'vectors')
  : resolve(here, '..', '..', 'shared', 'vectors');
const ROUNDS = 5;
const RUNS = 5;

const fmt = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

/** Median, lowest and highest of the rounds' ratios, as text. */
function ratioText(ratios) {
  const s = [...ratios].sort((a, b) => a - b);
  return `${median(s).toFixed(2)}× (rounds ${s[0].toFixed(2)}–${s[s.length - 1].toFixed(2)})`;
}

/** Reads every 32-bit word of the heap's pool once: the baseline a mark phase cannot beat. */
function wordScan(heap) {
  const words = new Uint32Array(
    heap.mem.buffer,
    heap.poolAddress - heap.base,
    (heap.blocks * heap.blockSize) / 4,
  );
  let acc = 0;
  for (let i = 0; i < words.length; i++) acc ^= words[i];
  return acc;
}

const native = nativeHarnesses();
describeNative(native);
const tmp = mkdtempSync(join(tmpdir(), 'mpheap-bench-heap-'));

// ── 1. golden traces ─────────────────────────────────────────────────────────────────────────
console.log(`\nTrace replay, warm, CPU ms per run (median of ${RUNS} runs a round, ${ROUNDS} rounds)`);
console.log('trace              word  ops     collections  model ms  ns/op    gc.c ms  model / gc.c');
for (const name of ['rand_big_2', 'rand_big_1', 'heap_1mib_workout', 'mark_tree_wide']) {
  const file = join(vectors, `${name}.trace`);
  const trace = parseTrace(readFileSync(file, 'latin1'), name);
  for (const wordSize of [4, 8]) {
    const expected = readFileSync(join(vectors, `${name}.w${wordSize}.out`), 'latin1');
    const first = runTrace(trace, { wordSize });
    if (first.output !== expected)
      throw new Error(`${name} w${wordSize}: the model's output is not the vector's`);
    runTrace(trace, { wordSize }); // warm up the JIT
    const harness = native.get(wordSize);
    const modelMs = [];
    const nativeMs = [];
    const ratios = [];
    for (let round = 0; round < ROUNDS; round++) {
      let c = null;
      if (harness) {
        const r = runNative(harness, file, RUNS);
        if (r.output !== expected) throw new Error(`${harness} ${name}: output differs from the vector`);
        c = median(r.runs.map((x) => x.ms));
        nativeMs.push(c);
      }
      const m = median(Array.from({ length: RUNS }, () => cpuMs(() => runTrace(trace, { wordSize }))));
      modelMs.push(m);
      if (c !== null) ratios.push(m / c);
    }
    const m = median(modelMs);
    console.log(
      `${name.padEnd(18)} w${wordSize}    ${String(trace.ops.length).padEnd(7)} ${String(first.stats.collections).padEnd(12)} ` +
        `${fmt(m).padStart(8)}  ${((m * 1e6) / trace.ops.length).toFixed(0).padStart(6)}  ` +
        (harness
          ? `${fmt(median(nativeMs)).padStart(7)}  ${ratioText(ratios)}`
          : '      —  (no native baseline)'),
    );
  }
}

// ── 2. one collection of a full heap ─────────────────────────────────────────────────────────
/**
 * A trace that fills a 1 MiB heap with 1-block objects, each pointing at the one before (two ids
 * take turns, so every object stays reachable from the last two), roots the last two and then
 * collects `collects` times. Nothing is freed, so every collection marks the whole heap.
 */
function fullHeapTrace(wordSize, collects) {
  const bytes = 1024 * 1024;
  const layout = heapLayout(0x2000_0000, 0x2000_0000 + bytes, { wordSize });
  const lines = [`heap ${bytes}`, `alloc a ${layout.blockSize}`];
  for (let i = 1; i < layout.blocks; i++) {
    const [id, prev] = i % 2 ? ['b', 'a'] : ['a', 'b'];
    lines.push(`alloc ${id} ${layout.blockSize}`, `ref ${id} 0 ${prev}`);
  }
  lines.push('root a b', 'info');
  for (let i = 0; i < collects; i++) lines.push('collect');
  lines.push('info');
  return { text: `${lines.join('\n')}\n`, blocks: layout.blocks };
}

const COLLECTS = 20;
console.log(
  `\nOne collection of a full 1 MiB heap of linked 1-block objects (CPU, median of ${COLLECTS} a round)`,
);
console.log(
  'word  blocks  model ms  ns/block  word scan ms  model / scan  gc.c ms  gc.c / scan  model / gc.c',
);
for (const wordSize of [4, 8]) {
  const { text, blocks } = fullHeapTrace(wordSize, COLLECTS);
  const file = join(tmp, `full-heap-w${wordSize}.trace`);
  writeFileSync(file, text);
  const trace = parseTrace(text, file);
  // The heap as the trace leaves it, its root hooks still bound: every collect() marks it all.
  const { heap, output } = runTrace(trace, { wordSize });
  const harness = native.get(wordSize);
  const modelMs = [];
  const scanMs = [];
  const nativeMs = [];
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    let c = null;
    if (harness) {
      const r = runNative(harness, file, 3);
      if (r.output !== output) throw new Error(`${harness}: full-heap output differs from the model's`);
      c = median(r.runs.map((x) => x.collectMs / COLLECTS));
      nativeMs.push(c);
    }
    const m = median(Array.from({ length: COLLECTS }, () => cpuMs(() => heap.collect())));
    modelMs.push(m);
    scanMs.push(median(Array.from({ length: COLLECTS }, () => cpuMs(() => wordScan(heap)))));
    if (c !== null) ratios.push(m / c);
  }
  const m = median(modelMs);
  const s = median(scanMs);
  const c = harness ? median(nativeMs) : null;
  console.log(
    `w${wordSize}    ${String(blocks).padEnd(7)} ${m.toFixed(3).padStart(8)}  ${((m * 1e6) / blocks).toFixed(1).padStart(8)}  ` +
      `${s.toFixed(3).padStart(12)}  ${`${(m / s).toFixed(1)}×`.padStart(12)}  ` +
      (c !== null
        ? `${c.toFixed(3).padStart(7)}  ${`${(c / s).toFixed(1)}×`.padStart(11)}  ${ratioText(ratios)}`
        : '      —  (no native baseline)'),
  );
}
rmSync(tmp, { recursive: true, force: true });
