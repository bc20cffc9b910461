/**
 * The snapshots a run keeps in memory for its result, its summary and its --json.
 *
 * A script that calls `micropython.mem_info(1)` in its main loop makes hundreds of snapshots a
 * second, each with a map of every block: kept whole, a run of the default two minutes held
 * gigabytes. The recording gets every snapshot as it is taken; the run keeps the first
 * KEEP_FIRST and the last KEEP_LAST, and every one that explains an outcome (the start, the
 * end, a failed allocation, a MemoryError), and counts those it let go. How much was used over
 * the whole run is kept apart, downsampled, for the summary's sparkline.
 */
import type { HeapSnapshot } from '../snapshot/snapshot.js';

export const KEEP_FIRST = 500;
export const KEEP_LAST = 500;
/** Points of the used-over-time series, at most (each the highest of the snapshots it stands for). */
const SERIES_POINTS = 4096;

/** Snapshots kept whatever their place: the ones a summary or a diagnosis points at. */
function explains(s: HeapSnapshot): boolean {
  return (
    s.trigger === 'start' ||
    s.trigger === 'end' ||
    s.trigger === 'alloc_failed' ||
    s.trigger === 'memory_error'
  );
}

export class KeptSnapshots {
  /** Snapshots taken in all (the next one's seq, as the run numbers them). */
  total = 0;
  /** Those no longer kept. */
  leftOut = 0;
  private readonly first: HeapSnapshot[] = [];
  /** Between the first and the last: only those that explain an outcome. */
  private readonly middle: HeapSnapshot[] = [];
  private last: HeapSnapshot[] = [];
  private lastStart = 0;
  private series: (number | null)[] = [];
  /** Snapshots per point of `series` (doubles each time the series is halved). */
  private stride = 1;
  private pending: number | null = null;
  private pendingCount = 0;

  /** Keeps `s` (its seq already set by the run) and records `used` for the series. */
  add(s: HeapSnapshot, used: number | null): void {
    this.total++;
    this.addUsed(used);
    if (this.first.length < KEEP_FIRST) {
      this.first.push(s);
      return;
    }
    this.last.push(s);
    if (this.last.length - this.lastStart > KEEP_LAST) {
      const out = this.last[this.lastStart++];
      if (explains(out)) this.middle.push(out);
      else this.leftOut++;
      // A moving start, compacted now and then: shifting an array is O(n) a snapshot.
      if (this.lastStart > KEEP_LAST) {
        this.last = this.last.slice(this.lastStart);
        this.lastStart = 0;
      }
    }
  }

  /** The kept snapshots, in order. */
  list(): HeapSnapshot[] {
    return [...this.first, ...this.middle, ...this.last.slice(this.lastStart)];
  }

  /** The kept snapshot numbered `seq`, if it is kept. */
  bySeq(seq: number): HeapSnapshot | undefined {
    if (seq < this.first.length) return this.first[seq];
    const recent = this.last.slice(this.lastStart);
    return recent.find((s) => s.seq === seq) ?? this.middle.find((s) => s.seq === seq);
  }

  /** The kept snapshots numbered `seq` or later (those of the last statement run: all kept). */
  since(seq: number): HeapSnapshot[] {
    return this.list().filter((s) => s.seq >= seq);
  }

  latest(): HeapSnapshot | undefined {
    return this.last.length > this.lastStart
      ? this.last[this.last.length - 1]
      : this.first[this.first.length - 1];
  }

  /**
   * Bytes used over the whole run, at most SERIES_POINTS points, each the highest of the
   * snapshots it stands for (null where none of them could say).
   */
  usedOverTime(): (number | null)[] {
    return this.pendingCount === 0 ? [...this.series] : [...this.series, this.pending];
  }

  private addUsed(used: number | null): void {
    this.pending = highest(this.pending, used);
    if (++this.pendingCount < this.stride) return;
    this.series.push(this.pending);
    this.pending = null;
    this.pendingCount = 0;
    if (this.series.length >= SERIES_POINTS) {
      const halved: (number | null)[] = [];
      for (let i = 0; i < this.series.length; i += 2)
        halved.push(highest(this.series[i], this.series[i + 1] ?? null));
      this.series = halved;
      this.stride *= 2;
    }
  }
}

function highest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
