/**
 * What-if replay: the same trace under several heap sizes and thresholds, side by side.
 * Answers "would a bigger `_heap_end` or a `gc.threshold()` have avoided the failure?".
 */
import type { Trace } from './parse.js';
import { runTrace, type SimStats } from './run.js';

export interface Setting {
  /** undefined: the trace's own. */
  heapBytes?: number;
  /** undefined: the trace's own; -1: off. */
  thresholdBytes?: number;
}

export interface ComparisonRow extends SimStats {
  setting: Setting;
}

export function compareSettings(trace: Trace, wordSize: 4 | 8, settings: Setting[]): ComparisonRow[] {
  return settings.map((setting) => {
    const { stats } = runTrace(trace, { wordSize, ...setting, trackExtremes: true });
    return { setting, ...stats };
  });
}

/** Every combination of the given heap sizes and thresholds (undefined keeps the trace's own). */
export function settingGrid(heaps: (number | undefined)[], thresholds: (number | undefined)[]): Setting[] {
  const out: Setting[] = [];
  for (const heapBytes of heaps.length ? heaps : [undefined]) {
    for (const thresholdBytes of thresholds.length ? thresholds : [undefined]) {
      out.push({ heapBytes, thresholdBytes });
    }
  }
  return out;
}
