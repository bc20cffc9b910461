/** A snapshot of the heap model: the same core model the decoder and the engines produce. */
import type { HeapSnapshot, SnapshotMeta } from '../snapshot/snapshot.js';
import { emptySnapshot } from '../snapshot/snapshot.js';
import type { GcHeap } from './gc-heap.js';

export function snapshotOfHeap(heap: GcHeap, meta: SnapshotMeta = {}): HeapSnapshot {
  const map = heap.blockMap();
  const info = heap.gcInfo();
  return {
    ...emptySnapshot({ source: 'model', trigger: 'model', ...meta }),
    blockSize: heap.blockSize,
    gc: { total: info.total, used: info.used, free: info.free, maxNewSplit: null },
    blocks: { one: info.oneBlocks, two: info.twoBlocks, maxBlock: info.maxBlock, maxFree: info.maxFree },
    areas: [{ base: heap.baseText(), offsetDigits: 8, map }],
  };
}
