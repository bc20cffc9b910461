/**
 * A figure over a sequence of snapshots, for charts and `--json`: one point per snapshot.
 * Each value is what the snapshot supports (analysis/verdict.ts), null where it does not say.
 * Browser-safe.
 */
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { type HeapFigures, heapFigures } from './figures.js';
import { snapshotFigures } from './verdict.js';

export type TimelineFigure =
  | 'usedBytes'
  | 'freeBytes'
  | 'largestFreeBytes'
  | 'fragmentation'
  | 'holes'
  | 'objects'
  | 'stackUsed'
  | ((s: HeapSnapshot, f: HeapFigures | null) => number | null);

export const TIMELINE_FIGURES = [
  'usedBytes',
  'freeBytes',
  'largestFreeBytes',
  'fragmentation',
  'holes',
  'objects',
  'stackUsed',
] as const;

export interface TimelinePoint {
  seq: number;
  time: number | null;
  label: string | null;
  value: number | null;
}

export function timeline(snapshots: readonly HeapSnapshot[], figure: TimelineFigure): TimelinePoint[] {
  return snapshots.map((s) => {
    const f = s.areas.length > 0 ? heapFigures(s) : null;
    return { seq: s.seq, time: s.time, label: s.label, value: figureValue(s, f, figure) };
  });
}

function figureValue(s: HeapSnapshot, f: HeapFigures | null, figure: TimelineFigure): number | null {
  if (typeof figure === 'function') return figure(s, f);
  if (figure === 'stackUsed') return s.stack?.used ?? null;
  if (figure === 'holes' || figure === 'objects')
    return f && !snapshotFigures(s, {}, f).mapCut ? f[figure] : null;
  // What the capture supports: the header's figures stand where a map is cut short.
  return snapshotFigures(s, {}, f)[figure];
}
