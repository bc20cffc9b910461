/** The one set of rules the dashboard's history and the live page compact by. */
import { describe, expect, it } from 'vitest';
import { firstSnapshotKept, newestWithin } from '../../src/views/live/history-budget.js';

describe('history budget', () => {
  it('keeps the newest items that fit, never skipping one to keep an older', () => {
    expect(newestWithin([5, 5, 5, 5], 10)).toBe(2);
    expect(newestWithin([1, 1, 50, 1], 10)).toBe(3);
    expect(newestWithin([], 10)).toBe(0);
    expect(newestWithin([3, 3], 100)).toBe(0);
  });

  it('keeps snapshots until half the budget is held, then back to a key frame, and at least the newest', () => {
    const key = (k: number) => k % 4 === 0;
    // 10 of 10 characters each, 20 held already, budget 100: half is reached at index 7, and
    // the key frame before it is 4.
    expect(firstSnapshotKept(Array(10).fill(10), key, 20, 100)).toBe(4);
    // Already past half: still the newest, back to its key frame.
    expect(firstSnapshotKept(Array(10).fill(10), key, 80, 100)).toBe(8);
    expect(firstSnapshotKept([10, 10, 10], () => false, 0, 100)).toBe(0);
  });
});
