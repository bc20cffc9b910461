/**
 * Runs a parsed trace on the heap model the way the golden-vector harness drove gc.c:
 * ids are the harness's pointer variables, the root set is resolved at each collection,
 * and ids whose objects a collection freed are forgotten.
 */
import { AT_FREE, GcHeap, TYPE_ADDRESSES } from '../heap/gc-heap.js';
import type { WordSize } from '../heap/layout.js';
import {
  formatAllocTable,
  formatGcInfoLines,
  type OutputProfile,
  PROFILE_MODERN,
} from '../heap/mem-info-format.js';
import { NULL_ID, type Trace, type TraceOp } from './parse.js';

export interface SimOptions {
  wordSize: WordSize;
  /** Replace every `heap N` with this size (what-if: a bigger `_heap_end`). */
  heapBytes?: number;
  /** Replace the trace's `threshold` ops with this one setting after every `heap` (-1: off). */
  thresholdBytes?: number;
  profile?: OutputProfile;
  /** The text the dump header shows after `from ` (the vectors print `<base>`). */
  baseText?: string;
  /** Track peak used and lowest largest-free after every op (costs a scan per op). */
  trackExtremes?: boolean;
  /** Called after every op with the output it printed. */
  onStep?: (op: TraceOp, heap: GcHeap | null, printed: string) => void;
}

export interface SimStats {
  ops: number;
  allocations: number;
  failedAllocations: number;
  collections: number;
  /** Bytes; only with trackExtremes. */
  peakUsed: number | null;
  /** Bytes; only with trackExtremes. */
  minLargestFree: number | null;
}

export interface SimResult {
  output: string;
  stats: SimStats;
  /** The heap as the trace left it (null when the trace has no `heap`). */
  heap: GcHeap | null;
}

export function runTrace(trace: Trace, opts: SimOptions): SimResult {
  return new TraceRunner(trace, opts).run();
}

class TraceRunner {
  private heap: GcHeap | null = null;
  /** Pointer held by each id (0 = unbound). */
  private readonly ptr: number[];
  /** Which id holds the object at each block, for `finalise <id>` lines. */
  private owner = new Int32Array(0);
  private roots: number[] = [];
  private finlog = false;
  private out: string[] = [];
  private readonly stats: SimStats = {
    ops: 0,
    allocations: 0,
    failedAllocations: 0,
    collections: 0,
    peakUsed: null,
    minLargestFree: null,
  };

  constructor(
    private readonly trace: Trace,
    private readonly opts: SimOptions,
  ) {
    this.ptr = new Array(trace.ids.length).fill(0);
  }

  run(): SimResult {
    const { onStep, trackExtremes } = this.opts;
    for (const op of this.trace.ops) {
      const mark = this.out.length;
      this.apply(op);
      this.stats.ops++;
      if (trackExtremes && this.heap) this.trackExtremes(this.heap);
      if (onStep) onStep(op, this.heap, this.out.slice(mark).join(''));
    }
    this.addCounters();
    return { output: this.out.join(''), stats: this.stats, heap: this.heap };
  }

  private addCounters(): void {
    if (!this.heap) return;
    this.stats.allocations += this.heap.counters.allocations;
    this.stats.failedAllocations += this.heap.counters.failedAllocations;
    this.stats.collections += this.heap.counters.collections;
  }

  private apply(op: TraceOp): void {
    if (op.op === 'finlog') {
      this.finlog = op.on;
      return;
    }
    if (op.op === 'heap') {
      this.newHeap(op.bytes);
      return;
    }
    const heap = this.heap!;
    switch (op.op) {
      case 'alloc': {
        const p = heap.alloc(op.nbytes, { finaliser: op.finaliser });
        this.unbind(op.id);
        if (p === 0) {
          this.out.push(`alloc ${this.trace.ids[op.id]} failed\n`);
        } else {
          if (op.type) heap.writeWord(p, 0, TYPE_ADDRESSES[op.type]);
          this.bind(op.id, p);
        }
        break;
      }
      case 'free':
        heap.free(this.ptr[op.id]);
        this.unbind(op.id);
        break;
      case 'realloc': {
        // While realloc runs, the model pins the object being reallocated (the harness's extra root).
        const q = heap.realloc(this.ptr[op.id], op.nbytes, op.move);
        if (q !== 0) {
          this.unbind(op.id);
          // A negative size wraps in gc.c's block arithmetic to 0 blocks: the shrink frees the
          // whole object and still returns p. The id then holds no object, like one a collection
          // freed, so it is forgotten and later ops on it are no-ops or allocations.
          if (heap.nbytes(q) !== 0) this.bind(op.id, q);
        } else {
          this.out.push(`realloc ${this.trace.ids[op.id]} failed\n`);
          if (op.nbytes === 0) this.unbind(op.id);
        }
        break;
      }
      case 'ref': {
        const p = this.ptr[op.id];
        if (p === 0 || op.word < 0 || op.word >= heap.nbytes(p) / heap.wordSize) break;
        heap.writeWord(p, op.word, this.ptr[op.target]);
        break;
      }
      case 'root':
        this.roots = op.ids;
        break;
      case 'collect':
        heap.collect();
        break;
      case 'threshold':
        if (this.opts.thresholdBytes === undefined) heap.setThresholdBytes(op.bytes);
        break;
      case 'info':
        this.out.push(formatGcInfoLines(heap.gcInfo()));
        break;
      case 'dump':
        this.out.push(
          formatAllocTable(
            [{ baseText: this.opts.baseText ?? '<base>', map: heap.blockMap() }],
            heap.blockSize,
            this.opts.profile ?? PROFILE_MODERN,
          ),
        );
        break;
    }
  }

  private newHeap(bytes: number): void {
    this.addCounters();
    const heap = new GcHeap({
      bytes: this.opts.heapBytes ?? bytes,
      wordSize: this.opts.wordSize,
      gapByte: (this.opts.profile ?? PROFILE_MODERN).gapByte,
    });
    this.heap = heap;
    this.ptr.fill(0);
    this.owner = new Int32Array(heap.blocks).fill(-1);
    this.roots = [];
    if (this.opts.thresholdBytes !== undefined) heap.setThresholdBytes(this.opts.thresholdBytes);
    heap.hooks = {
      roots: () => this.rootPointers(),
      finaliserLookup: (_address, block) => {
        if (!this.finlog) return;
        const id = block < this.owner.length ? this.owner[block] : -1;
        this.out.push(id >= 0 ? `finalise ${this.trace.ids[id]}\n` : `finalise ?${block}\n`);
      },
      // The harness forgets ids whose object a collection freed (gc_nbytes(p) == 0 afterwards).
      freed: (block) => {
        const id = this.owner[block];
        if (id >= 0) this.unbind(id);
      },
    };
  }

  private rootPointers(): number[] {
    const pointers: number[] = [];
    for (const id of this.roots) {
      const p = this.ptr[id];
      if (p !== 0) pointers.push(p);
    }
    return pointers;
  }

  private bind(id: number, p: number): void {
    if (id === NULL_ID) return;
    this.ptr[id] = p;
    this.owner[this.heap!.blockOf(p)] = id;
  }

  private unbind(id: number): void {
    const p = this.ptr[id];
    if (p === 0) return;
    const block = this.heap!.blockOf(p);
    if (block >= 0 && this.owner[block] === id) this.owner[block] = -1;
    this.ptr[id] = 0;
  }

  private trackExtremes(heap: GcHeap): void {
    let used = 0;
    let run = 0;
    let largest = 0;
    for (let b = 0; b < heap.blocks; b++) {
      if (heap.kind(b) === AT_FREE) {
        if (++run > largest) largest = run;
      } else {
        run = 0;
        used++;
      }
    }
    const s = this.stats;
    s.peakUsed = Math.max(s.peakUsed ?? 0, used * heap.blockSize);
    s.minLargestFree = Math.min(s.minLargestFree ?? Number.POSITIVE_INFINITY, largest * heap.blockSize);
  }
}
