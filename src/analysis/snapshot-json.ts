/**
 * The stable JSON form of a snapshot for `--json` (documented in docs/json.md). Header figures
 * are as printed; map figures are recomputed from the map. Browser-safe.
 */
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { heapFigures } from './figures.js';
import { mapStats } from './map-stats.js';

export interface SnapshotJson {
  seq: number;
  time: number | null;
  source: string;
  label: string | null;
  trigger: string | null;
  complete: boolean;
  gc: { total: number; used: number; free: number; maxNewSplit: number | null } | null;
  blocks: { one: number; two: number; maxBlock: number; maxFree: number } | null;
  stack: { used: number; limit: number | null } | null;
  mem: { total: number; current: number; peak: number } | null;
  blockSize: number;
  areas: Array<{
    base: string;
    offsetDigits: 5 | 8 | null;
    blocks: number;
    free: number;
    heads: number;
    largestFreeRun: number;
    kinds: Record<string, number>;
  }>;
  usedBytes: number | null;
  freeBytes: number | null;
  largestFreeBytes: number | null;
  holes: number | null;
  fragmentation: number | null;
  types: Record<string, { count: number; blocks: number; bytes: number; largestBlocks: number }>;
  warnings: string[];
}

export function snapshotJson(s: HeapSnapshot): SnapshotJson {
  const hasMap = s.areas.length > 0;
  const f = hasMap ? heapFigures(s) : null;
  // Without a map, what the header says: max free sz is the largest free block.
  const largestFromHeader = s.blocks ? s.blocks.maxFree * s.blockSize : null;
  const freeFromHeader = s.gc ? s.gc.free : null;
  return {
    seq: s.seq,
    time: s.time,
    source: s.source,
    label: s.label,
    trigger: s.trigger,
    complete: s.complete,
    gc: s.gc,
    blocks: s.blocks,
    stack: s.stack,
    mem: s.mem,
    blockSize: s.blockSize,
    areas: s.areas.map((a) => {
      const m = mapStats(a.map);
      return {
        base: a.base,
        offsetDigits: a.offsetDigits,
        blocks: m.blocks,
        free: m.freeBlocks,
        heads: m.headBlocks,
        largestFreeRun: m.longestFreeRun,
        kinds: m.charCounts,
      };
    }),
    usedBytes: f ? f.usedBytes : (s.gc?.used ?? null),
    freeBytes: f ? f.freeBytes : freeFromHeader,
    largestFreeBytes: f ? f.largestFreeBytes : largestFromHeader,
    holes: f ? f.holes : null,
    fragmentation: f
      ? f.fragmentation
      : freeFromHeader && largestFromHeader !== null
        ? 1 - largestFromHeader / freeFromHeader
        : null,
    types: f ? f.types : {},
    warnings: s.warnings,
  };
}
