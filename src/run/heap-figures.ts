/**
 * The two figures `mpheap run` follows on every snapshot: bytes used, and the largest free
 * block (the biggest allocation that would succeed), as the capture supports them
 * (analysis/verdict.ts: the header as MicroPython printed it, the map where a line is missing).
 */
import { snapshotFigures } from '../analysis/verdict.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';

export interface RunFigures {
  used: number | null;
  free: number | null;
  /** null when unknown, or only a lower bound is known (a map cut short). */
  largestFree: number | null;
  total: number | null;
}

export function runFigures(s: HeapSnapshot): RunFigures {
  const f = snapshotFigures(s);
  return {
    used: f.usedBytes,
    free: f.freeBytes,
    largestFree: f.largestFreeIsLowerBound ? null : f.largestFreeBytes,
    total: f.totalBytes,
  };
}
