/**
 * What changed between two snapshots of the same heap: blocks allocated and freed, objects that
 * appeared or went, and per-type growth. Browser-safe.
 */
import { CH_FREE } from '../heap/block-map.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { heapFigures } from './figures.js';

export interface TypeGrowth {
  count: number;
  blocks: number;
  bytes: number;
}

export interface HeapDiff {
  /** Blocks free before and used after. */
  allocatedBlocks: number;
  /** Blocks used before and free after. */
  freedBlocks: number;
  /** Blocks used in both whose character changed (another object now lives there). */
  changedBlocks: number;
  usedBytesDelta: number;
  freeBytesDelta: number;
  largestFreeBytesDelta: number;
  holesDelta: number;
  /** Per head letter: after − before (types present in either). */
  types: Record<string, TypeGrowth>;
  /** False when the maps differ in shape (areas or sizes); block counts then cover the overlap. */
  sameLayout: boolean;
}

export function diff(a: HeapSnapshot, b: HeapSnapshot): HeapDiff {
  let allocated = 0;
  let freed = 0;
  let changed = 0;
  let same = a.areas.length === b.areas.length && a.blockSize === b.blockSize;
  const areas = Math.min(a.areas.length, b.areas.length);
  for (let i = 0; i < areas; i++) {
    const ma = a.areas[i].map;
    const mb = b.areas[i].map;
    if (ma.length !== mb.length || a.areas[i].base !== b.areas[i].base) same = false;
    const n = Math.min(ma.length, mb.length);
    for (let k = 0; k < n; k++) {
      const x = ma[k];
      const y = mb[k];
      if (x === y) continue;
      if (x === CH_FREE) allocated++;
      else if (y === CH_FREE) freed++;
      else changed++;
    }
  }
  const fa = heapFigures(a);
  const fb = heapFigures(b);
  const types: Record<string, TypeGrowth> = {};
  for (const t of new Set([...Object.keys(fa.types), ...Object.keys(fb.types)])) {
    const x = fa.types[t] ?? { count: 0, blocks: 0, bytes: 0 };
    const y = fb.types[t] ?? { count: 0, blocks: 0, bytes: 0 };
    types[t] = { count: y.count - x.count, blocks: y.blocks - x.blocks, bytes: y.bytes - x.bytes };
  }
  return {
    allocatedBlocks: allocated,
    freedBlocks: freed,
    changedBlocks: changed,
    usedBytesDelta: fb.usedBytes - fa.usedBytes,
    freeBytesDelta: fb.freeBytes - fa.freeBytes,
    largestFreeBytesDelta: fb.largestFreeBytes - fa.largestFreeBytes,
    holesDelta: fb.holes - fa.holes,
    types,
    sameLayout: same,
  };
}
