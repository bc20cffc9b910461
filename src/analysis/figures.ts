/**
 * The figures users ask about, from a snapshot's maps: how much is used and free, the largest
 * block that could still be allocated, how the free space is split into holes, and what the
 * heap holds, per object type. Bytes everywhere, blocks where users think in blocks.
 * Browser-safe: no Node APIs (the HTML report bundles this).
 */
import { CH_FREE, CH_TAIL } from '../heap/block-map.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';

export interface HistogramBucket {
  /** Smallest and largest size in the bucket, in blocks (powers of two: 1, 2-3, 4-7, …). */
  minBlocks: number;
  maxBlocks: number;
  /** How many holes (or objects) fall in it, and the blocks they cover. */
  count: number;
  blocks: number;
}

export interface TypeFigures {
  count: number;
  blocks: number;
  bytes: number;
  /** The largest object of this type, in blocks. */
  largestBlocks: number;
}

export interface HeapFigures {
  blockSize: number;
  totalBlocks: number;
  totalBytes: number;
  usedBlocks: number;
  usedBytes: number;
  freeBlocks: number;
  freeBytes: number;
  /** The longest free run within one area: the largest allocation that fits now. */
  largestFreeBlocks: number;
  largestFreeBytes: number;
  /** Where that run is: area index and first block, or null when nothing is free. */
  largestFreeAt: { area: number; block: number } | null;
  /** Maximal free runs (each area's runs counted separately). */
  holes: number;
  holeHistogram: HistogramBucket[];
  /** 1 − largest free / total free: 0 when all free space is one hole, near 1 when scattered. */
  fragmentation: number;
  /** Objects (heads) and the blocks their chains cover. */
  objects: number;
  /** Per map letter of a head (`T L D S A F B M h`, and `m` during a collection). */
  types: Record<string, TypeFigures>;
  objectHistogram: HistogramBucket[];
}

/** Bucket index of a size in blocks: 1 → 0, 2-3 → 1, 4-7 → 2, … */
function bucketOf(blocks: number): number {
  return 31 - Math.clz32(blocks);
}

function histogram(counts: number[], blocks: number[]): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  for (let i = 0; i < counts.length; i++) {
    out.push({
      minBlocks: 2 ** i,
      maxBlocks: 2 ** (i + 1) - 1,
      count: counts[i] ?? 0,
      blocks: blocks[i] ?? 0,
    });
  }
  return out;
}

export function heapFigures(s: HeapSnapshot): HeapFigures {
  const bs = s.blockSize;
  let total = 0;
  let free = 0;
  let largest = 0;
  let largestAt: HeapFigures['largestFreeAt'] = null;
  let holes = 0;
  let objects = 0;
  const holeCount: number[] = [];
  const holeBlocks: number[] = [];
  const objCount: number[] = [];
  const objBlocks: number[] = [];
  const types: Record<string, TypeFigures> = {};

  const addHole = (len: number, area: number, start: number) => {
    holes++;
    const k = bucketOf(len);
    holeCount[k] = (holeCount[k] ?? 0) + 1;
    holeBlocks[k] = (holeBlocks[k] ?? 0) + len;
    if (len > largest) {
      largest = len;
      largestAt = { area, block: start };
    }
  };
  const addObject = (letter: number, len: number) => {
    objects++;
    const k = bucketOf(len);
    objCount[k] = (objCount[k] ?? 0) + 1;
    objBlocks[k] = (objBlocks[k] ?? 0) + len;
    const key = String.fromCharCode(letter);
    const t = types[key] ?? { count: 0, blocks: 0, bytes: 0, largestBlocks: 0 };
    t.count++;
    t.blocks += len;
    t.bytes += len * bs;
    if (len > t.largestBlocks) t.largestBlocks = len;
    types[key] = t;
  };

  s.areas.forEach((area, ai) => {
    const map = area.map;
    const n = map.length;
    total += n;
    let b = 0;
    while (b < n) {
      const c = map[b];
      if (c === CH_FREE) {
        const start = b;
        while (b < n && map[b] === CH_FREE) b++;
        free += b - start;
        addHole(b - start, ai, start);
      } else if (c === CH_TAIL) {
        b++; // a tail with no head (a map that starts mid-object): used, but no object
      } else {
        const start = b++;
        while (b < n && map[b] === CH_TAIL) b++;
        addObject(c, b - start);
      }
    }
  });
  const used = total - free;
  const len = Math.max(holeCount.length, 1);
  return {
    blockSize: bs,
    totalBlocks: total,
    totalBytes: total * bs,
    usedBlocks: used,
    usedBytes: used * bs,
    freeBlocks: free,
    freeBytes: free * bs,
    largestFreeBlocks: largest,
    largestFreeBytes: largest * bs,
    largestFreeAt: largestAt,
    holes,
    holeHistogram: histogram(
      Array.from({ length: len }, (_, i) => holeCount[i] ?? 0),
      holeBlocks,
    ),
    fragmentation: free === 0 ? 0 : 1 - largest / free,
    objects,
    types,
    objectHistogram: histogram(
      Array.from({ length: Math.max(objCount.length, 1) }, (_, i) => objCount[i] ?? 0),
      objBlocks,
    ),
  };
}
