/**
 * Would `nbytes` fit right now, and where? Answered by gc.c itself, in model form: each area's
 * map is loaded into the heap model (heads as HEAD, tails as TAIL) and the model's first-fit
 * search runs, areas in list order as gc_alloc walks them. No collection is assumed: this is
 * what the allocator finds before it would collect. Browser-safe.
 */
import { CH_FREE, CH_TAIL } from '../heap/block-map.js';
import { AT_HEAD, AT_TAIL, GcHeap } from '../heap/gc-heap.js';
import { heapLayout, type LayoutOptions } from '../heap/layout.js';
import type { HeapArea, HeapSnapshot } from '../snapshot/snapshot.js';

export interface AllocationAnswer {
  fits: boolean;
  requestedBytes: number;
  /** Blocks gc_alloc asks for: ceil(nbytes / block size). */
  blocks: number;
  /** Where the first fit starts, or null. */
  area: number | null;
  block: number | null;
  /** Byte offset from the area's pool start (as the dump's row offsets count). */
  offset: number | null;
  /** Absolute address when the area base is known (the `from` address of the dump), else null. */
  address: number | null;
}

const loaded = new WeakMap<HeapArea, GcHeap>();

function layoutOptions(blockSize: number): LayoutOptions {
  return blockSize >= 32 ? { wordSize: 8, blockSize } : { wordSize: 4, blockSize };
}

/** A model heap of at least `blocks` blocks (the pool is always a multiple of 4 blocks). */
function modelHeap(blocks: number, blockSize: number): GcHeap {
  const opts = layoutOptions(blockSize);
  // Region bytes: the pool plus a table byte per 4 blocks, half a byte of FTB, the gap, slack.
  let bytes = Math.ceil(blocks / 4) * (4 * blockSize + 2) + 64;
  while (heapLayout(0x1000_0000, 0x1000_0000 + bytes, opts).blocks < blocks) bytes += 4 * blockSize;
  return new GcHeap({ ...opts, bytes, base: 0x1000_0000 });
}

/** The area's map in the heap model; blocks past the map's end are filled so nothing fits there. */
export function areaHeap(area: HeapArea, blockSize: number): GcHeap {
  const cached = loaded.get(area);
  if (cached && cached.blockSize === blockSize) return cached;
  const map = area.map;
  const heap = modelHeap(Math.max(map.length, 1), blockSize);
  for (let b = 0; b < map.length; b++) {
    const c = map[b];
    if (c === CH_FREE) continue;
    heap.setKind(b, c === CH_TAIL ? AT_TAIL : AT_HEAD);
  }
  for (let b = map.length; b < heap.blocks; b++) heap.setKind(b, AT_HEAD);
  loaded.set(area, heap);
  return heap;
}

export function wouldAllocate(s: HeapSnapshot, nbytes: number): AllocationAnswer {
  const blocks = nbytes <= 0 ? 0 : Math.ceil(nbytes / s.blockSize);
  const answer: AllocationAnswer = {
    fits: false,
    requestedBytes: nbytes,
    blocks,
    area: null,
    block: null,
    offset: null,
    address: null,
  };
  if (blocks === 0) return { ...answer, fits: true };
  for (let i = 0; i < s.areas.length; i++) {
    const area = s.areas[i];
    if (area.map.length < blocks) continue;
    const block = areaHeap(area, s.blockSize).findFreeRun(blocks);
    if (block < 0 || block + blocks > area.map.length) continue;
    const base = /^[0-9a-f]+$/i.test(area.base) ? Number.parseInt(area.base, 16) : Number.NaN;
    return {
      ...answer,
      fits: true,
      area: i,
      block,
      offset: block * s.blockSize,
      address: Number.isFinite(base) ? base + block * s.blockSize : null,
    };
  }
  return answer;
}
