/**
 * What a live history keeps when it outgrows its budget: the dashboard's (live-history.ts) and
 * the page's own (web/session.ts) follow these same rules, so a page holds what the dashboard
 * would send it. Browser-safe.
 *
 * Compacted to half the budget, newest first: program output up to an eighth of the budget,
 * events up to a sixteenth, then snapshots until half the budget is kept, and on back to a key
 * frame (a patch needs the snapshot before it) so the oldest kept one can be decoded.
 */

export const OUTPUT_SHARE = 1 / 8;
export const EVENT_SHARE = 1 / 16;

/** The first index of the newest items (by size) that together fit in `limit`. */
export function newestWithin(sizes: readonly number[], limit: number): number {
  let kept = 0;
  let first = sizes.length;
  while (first > 0 && kept + sizes[first - 1] <= limit) kept += sizes[--first];
  return first;
}

/**
 * The first snapshot kept, `kept` characters being held already (output and events): newest
 * back until half the budget is held, then on back to a key frame. At least the newest one.
 */
export function firstSnapshotKept(
  sizes: readonly number[],
  isKeyFrame: (i: number) => boolean,
  kept: number,
  budget: number,
): number {
  let first = sizes.length;
  while (first > 0) {
    if (kept >= budget / 2 && first < sizes.length && isKeyFrame(first)) break;
    kept += sizes[--first];
  }
  return first;
}
