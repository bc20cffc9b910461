/**
 * The two figures `mpheap run` follows on every snapshot: bytes used, and the largest free
 * block (the biggest allocation that would succeed). Header figures as MicroPython printed them
 * come first; the map is counted only when a header line is missing.
 */
import { heapFigures } from '../analysis/figures.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';

export interface RunFigures {
  used: number | null;
  free: number | null;
  largestFree: number | null;
  total: number | null;
}

export function runFigures(s: HeapSnapshot): RunFigures {
  const needMap = (!s.gc || !s.blocks) && s.areas.length > 0;
  const f = needMap ? heapFigures(s) : null;
  return {
    used: s.gc ? s.gc.used : (f?.usedBytes ?? null),
    free: s.gc ? s.gc.free : (f?.freeBytes ?? null),
    largestFree: s.blocks ? s.blocks.maxFree * s.blockSize : (f?.largestFreeBytes ?? null),
    total: s.gc ? s.gc.total : (f?.totalBytes ?? null),
  };
}
