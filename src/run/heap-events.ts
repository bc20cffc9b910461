/**
 * What an engine that sees its own heap reports while a script runs (engines/engine.ts,
 * HeapEvent), turned into what a run keeps: every garbage collection (the sawtooth a board's
 * heap draws: used climbs until an allocation finds no room, then drops), and every allocation
 * that failed, with the heap's map at that moment as a snapshot.
 *
 * Between snapshots the collections say two things: how full the heap got (just before one,
 * garbage included: a board's heap fills before it is collected), and what the script really
 * holds (just after one: the live objects, and the largest block an allocation could then get).
 */

import type { HeapEvent } from '../engines/engine.js';
import { gcInfoOfMaps } from '../heap/block-map.js';
import { emptySnapshot, type HeapSnapshot } from '../snapshot/snapshot.js';

/** One collection as the recording and the views keep it. */
export interface CollectionRecord {
  /** 1 for the run's first collection. */
  n: number;
  usedBefore: number;
  usedAfter: number;
  largestFreeBefore: number;
  largestFreeAfter: number;
  ms: number;
  /** The seq of the last snapshot taken before it (-1: none yet). */
  afterSeq: number;
}

export interface CollectionTotals {
  count: number;
  freedBytes: number;
  ms: number;
  /** Most bytes in use just before a collection (garbage included). */
  peakUsedBefore: number | null;
  /** Most bytes still in use just after a collection: what the script holds at its peak. */
  peakLiveAfter: number | null;
  /** Smallest largest free block just after a collection. */
  minLargestFreeAfter: number | null;
}

/** Failed allocations beyond this many are counted and recorded as events without a map. */
export const MAX_FAILURE_SNAPSHOTS = 50;
/** Collections beyond this many are counted in the totals but not recorded one by one. */
export const MAX_RECORDED_COLLECTIONS = 10_000;

export class HeapEventLog {
  readonly totals: CollectionTotals = {
    count: 0,
    freedBytes: 0,
    ms: 0,
    peakUsedBefore: null,
    peakLiveAfter: null,
    minLargestFreeAfter: null,
  };
  failedAllocations = 0;

  constructor(private readonly source: string) {}

  /** A collection: its record, or null when past MAX_RECORDED_COLLECTIONS. */
  collection(e: Extract<HeapEvent, { type: 'collect' }>, afterSeq: number): CollectionRecord | null {
    this.totals.count += 1;
    this.totals.freedBytes += Math.max(0, e.before.used - e.after.used);
    this.totals.ms += e.ms;
    const t = this.totals;
    t.peakUsedBefore = Math.max(t.peakUsedBefore ?? 0, e.before.used);
    t.peakLiveAfter = Math.max(t.peakLiveAfter ?? 0, e.after.used);
    t.minLargestFreeAfter = Math.min(t.minLargestFreeAfter ?? Number.POSITIVE_INFINITY, e.after.largestFree);
    if (this.totals.count > MAX_RECORDED_COLLECTIONS) return null;
    return {
      n: this.totals.count,
      usedBefore: e.before.used,
      usedAfter: e.after.used,
      largestFreeBefore: e.before.largestFree,
      largestFreeAfter: e.after.largestFree,
      ms: Math.round(e.ms * 1000) / 1000,
      afterSeq,
    };
  }

  /** A failed allocation: the heap at that moment as a snapshot, or null past the limit. */
  failure(e: Extract<HeapEvent, { type: 'alloc_failed' }>, time: number): HeapSnapshot | null {
    this.failedAllocations += 1;
    if (this.failedAllocations > MAX_FAILURE_SNAPSHOTS) return null;
    const info = gcInfoOfMaps(
      e.areas.map((a) => a.map),
      e.blockSize,
    );
    return {
      ...emptySnapshot({
        source: this.source,
        trigger: 'alloc_failed',
        label: `allocating ${e.requested} bytes`,
        time,
      }),
      blockSize: e.blockSize,
      gc: { total: info.total, used: info.used, free: info.free, maxNewSplit: null },
      blocks: { one: info.oneBlocks, two: info.twoBlocks, maxBlock: info.maxBlock, maxFree: info.maxFree },
      areas: e.areas.map((a) => ({ base: a.base, offsetDigits: 8, map: a.map })),
    };
  }
}
