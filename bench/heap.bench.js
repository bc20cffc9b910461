// The heap model's speed: ns per trace op on the largest golden traces, and the time to collect a
// full 1 MiB heap of linked objects. Each figure is set against a baseline measured in this run:
// a plain loop that reads every word of the same pool once (the least any mark phase must do).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GcHeap } from '../dist/heap/gc-heap.js';
import { parseTrace } from '../dist/trace/parse.js';
import { runTrace } from '../dist/trace/run.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = process.env.MPHEAP_SHARED
  ? join(process.env.MPHEAP_SHARED, 'vectors')
  : resolve(here, '..', '..', 'shared', 'vectors');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, runs = 7) {
  fn(); // warm up the JIT
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
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

console.log('Trace replay (median of 7 runs)');
console.log('trace                 word  ops     ms      ns/op   collections');
for (const name of ['rand_big_2', 'rand_big_1', 'heap_1mib_workout', 'mark_tree_wide']) {
  const trace = parseTrace(readFileSync(join(vectors, `${name}.trace`), 'utf8'), name);
  for (const wordSize of [4, 8]) {
    let stats;
    const ms = time(() => {
      stats = runTrace(trace, { wordSize }).stats;
    });
    const nsPerOp = (ms * 1e6) / trace.ops.length;
    console.log(
      `${name.padEnd(21)} w${wordSize}    ${String(trace.ops.length).padEnd(7)} ${ms.toFixed(1).padStart(6)}  ${nsPerOp.toFixed(0).padStart(7)}   ${stats.collections}`,
    );
  }
}

console.log('\nCollect a full 1 MiB heap of linked objects (2-block nodes, one root)');
for (const wordSize of [4, 8]) {
  const build = () => {
    const heap = new GcHeap({ bytes: 1024 * 1024, wordSize });
    // Fill without collecting (gc.disable()), then root the list's head for the timed collection.
    heap.autoCollect = false;
    let head = 0;
    let nodes = 0;
    for (;;) {
      const p = heap.alloc(heap.blockSize * 2);
      if (p === 0) break;
      heap.writeWord(p, 1, head);
      head = p;
      nodes++;
    }
    heap.hooks = { roots: () => [head] };
    return { heap, nodes };
  };
  // Each collection must start from a heap of unmarked objects; rebuild outside the timed part.
  const samples = [];
  const scans = [];
  let info;
  for (let i = 0; i < 8; i++) {
    info = build();
    const t0 = process.hrtime.bigint();
    info.heap.collect();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const t1 = process.hrtime.bigint();
    wordScan(info.heap);
    scans.push(Number(process.hrtime.bigint() - t1) / 1e6);
  }
  samples.shift();
  scans.shift();
  const ms = median(samples);
  const base = median(scans);
  console.log(
    `w${wordSize}: ${info.nodes} live objects, ${info.heap.blocks} blocks: collect ${ms.toFixed(2)} ms ` +
      `(${((ms * 1e6) / info.heap.blocks).toFixed(1)} ns/block); plain word scan ${base.toFixed(2)} ms; ratio ${(ms / base).toFixed(1)}x`,
  );
}
