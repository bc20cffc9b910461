/**
 * The stable JSON form of a snapshot for `--json` (documented in docs/json.md). Header figures
 * are as printed; map figures are recomputed from the map. Browser-safe.
 */
import type { HeapArea, HeapSnapshot } from '../snapshot/snapshot.js';
import { heapFigures } from './figures.js';
import { mapStats } from './map-stats.js';
import { heapVerdict, type VerdictContext, type VerdictState } from './verdict.js';

export interface SnapshotJson {
  seq: number;
  time: number | null;
  source: string;
  label: string | null;
  trigger: string | null;
  complete: boolean;
  gc: { total: number | null; used: number | null; free: number | null; maxNewSplit: number | null } | null;
  blocks: { one: number; two: number; maxBlock: number; maxFree: number | null } | null;
  stack: { used: number; limit: number | null } | null;
  mem: { total: number; current: number; peak: number } | null;
  blockSize: number;
  blockSizeKnown: boolean;
  areas: Array<{
    base: string;
    offsetDigits: HeapArea['offsetDigits'];
    blocks: number;
    free: number;
    heads: number;
    largestFreeRun: number;
    kinds: Record<string, number>;
  }>;
  usedBytes: number | null;
  freeBytes: number | null;
  largestFreeBytes: number | null;
  largestFreeIsLowerBound: boolean;
  canGrowBytes: number | null;
  holes: number | null;
  fragmentation: number | null;
  types: Record<string, { count: number; blocks: number; bytes: number; largestBlocks: number }>;
  verdict: { level: string; state: VerdictState; text: string; notes: string[] };
  warnings: string[];
}

export function snapshotJson(s: HeapSnapshot, ctx: VerdictContext = {}): SnapshotJson {
  const f = s.areas.length > 0 ? heapFigures(s) : null;
  const v = heapVerdict(s, ctx, f);
  const k = v.figures;
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
    blockSizeKnown: s.blockSizeKnown,
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
    // The figures the verdict rests on: what the capture supports, null where it does not say.
    usedBytes: k.usedBytes,
    freeBytes: k.freeBytes,
    largestFreeBytes: k.largestFreeBytes,
    largestFreeIsLowerBound: k.largestFreeIsLowerBound,
    canGrowBytes: k.canGrowBytes,
    holes: k.holes,
    fragmentation: k.fragmentation,
    types: f ? f.types : {},
    verdict: { level: v.level, state: v.state, text: v.text, notes: v.notes },
    warnings: s.warnings,
  };
}
