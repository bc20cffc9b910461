/**
 * What the page reads off a block map: the object or free run under a block, the per-type
 * usage, the hole sizes, and which blocks changed since the previous snapshot.
 *
 * These walk the same map characters as src/analysis/ (issue 3); they are here only until that
 * folder's browser-safe functions land, and are kept to what the page draws.
 */
import { CH_FREE, CH_TAIL } from '../heap/block-map.js';

export interface Run {
  start: number;
  length: number;
}

/** The object a block belongs to (null for a free block). */
export function objectAt(map: Uint8Array, block: number): (Run & { char: number }) | null {
  if (map[block] === CH_FREE) return null;
  let start = block;
  while (start > 0 && map[start] === CH_TAIL) start--;
  let end = block + 1;
  while (end < map.length && map[end] === CH_TAIL) end++;
  return { start, length: end - start, char: map[start] };
}

/** The free run a free block sits in (null for a used block). */
export function freeRunAt(map: Uint8Array, block: number): Run | null {
  if (map[block] !== CH_FREE) return null;
  let start = block;
  while (start > 0 && map[start - 1] === CH_FREE) start--;
  let end = block + 1;
  while (end < map.length && map[end] === CH_FREE) end++;
  return { start, length: end - start };
}

export interface TypeUsage {
  char: string;
  count: number;
  blocks: number;
  largest: number;
}

/** Objects per head character over all areas, most blocks first. */
export function typeUsage(maps: readonly Uint8Array[]): TypeUsage[] {
  const count = new Float64Array(256);
  const blocks = new Float64Array(256);
  const largest = new Float64Array(256);
  for (const map of maps) {
    let head = -1;
    let len = 0;
    const close = () => {
      if (head >= 0) {
        count[head]++;
        blocks[head] += len;
        if (len > largest[head]) largest[head] = len;
      }
      head = -1;
      len = 0;
    };
    for (let b = 0; b < map.length; b++) {
      const c = map[b];
      if (c === CH_TAIL) {
        if (head >= 0) len++;
      } else {
        close();
        if (c !== CH_FREE) {
          head = c;
          len = 1;
        }
      }
    }
    close();
  }
  const out: TypeUsage[] = [];
  for (let c = 0; c < 256; c++) {
    if (count[c] > 0)
      out.push({ char: String.fromCharCode(c), count: count[c], blocks: blocks[c], largest: largest[c] });
  }
  return out.sort((a, b) => b.blocks - a.blocks || a.char.localeCompare(b.char));
}

/** Every free run (runs never join across areas). */
export function freeRuns(maps: readonly Uint8Array[]): number[] {
  const out: number[] = [];
  for (const map of maps) {
    let run = 0;
    for (let b = 0; b < map.length; b++) {
      if (map[b] === CH_FREE) run++;
      else if (run) {
        out.push(run);
        run = 0;
      }
    }
    if (run) out.push(run);
  }
  return out;
}

export interface HistogramBucket {
  /** Smallest and largest run length in blocks that falls in the bucket. */
  from: number;
  to: number;
  holes: number;
  blocks: number;
}

/** Hole sizes in power-of-two buckets: 1, 2, 3–4, 5–8, … */
export function holeHistogram(runs: readonly number[]): HistogramBucket[] {
  const buckets: HistogramBucket[] = [];
  for (const r of runs) {
    const k = r <= 1 ? 0 : Math.ceil(Math.log2(r));
    while (buckets.length <= k) {
      const i = buckets.length;
      buckets.push({ from: i === 0 ? 1 : 2 ** (i - 1) + 1, to: 2 ** i, holes: 0, blocks: 0 });
    }
    buckets[k].holes++;
    buckets[k].blocks += r;
  }
  return buckets;
}

export const DIFF_SAME = 0;
export const DIFF_NEW = 1;
export const DIFF_FREED = 2;

export interface MapDiff {
  /** Per block (areas end to end): DIFF_SAME, DIFF_NEW (in an object that was not there) or DIFF_FREED. */
  flags: Uint8Array;
  newObjects: number;
  newBlocks: number;
  freedBlocks: number;
  /** Per head character: change in object count and in blocks. */
  growth: { char: string; count: number; blocks: number }[];
}

/**
 * Blocks newly allocated (in an object whose head, length or type differs from the previous
 * snapshot at that place) and newly freed (free now, used before). Same-length maps only.
 */
export function diffMaps(prev: Uint8Array, cur: Uint8Array): MapDiff {
  const n = cur.length;
  const flags = new Uint8Array(n);
  let newObjects = 0;
  let newBlocks = 0;
  let freedBlocks = 0;
  let b = 0;
  while (b < n) {
    const c = cur[b];
    if (c === CH_FREE) {
      if (prev[b] !== CH_FREE) {
        flags[b] = DIFF_FREED;
        freedBlocks++;
      }
      b++;
      continue;
    }
    let end = b + 1;
    while (end < n && cur[end] === CH_TAIL) end++;
    let same = prev[b] === c && (end >= n || prev[end] !== CH_TAIL);
    for (let j = b + 1; same && j < end; j++) same = prev[j] === CH_TAIL;
    if (!same) {
      flags.fill(DIFF_NEW, b, end);
      newObjects++;
      newBlocks += end - b;
    }
    b = end;
  }
  const before = new Map(typeUsage([prev]).map((u) => [u.char, u]));
  const after = new Map(typeUsage([cur]).map((u) => [u.char, u]));
  const growth: MapDiff['growth'] = [];
  for (const char of new Set([...before.keys(), ...after.keys()])) {
    const a = after.get(char);
    const p = before.get(char);
    const count = (a?.count ?? 0) - (p?.count ?? 0);
    const blocks = (a?.blocks ?? 0) - (p?.blocks ?? 0);
    if (count || blocks) growth.push({ char, count, blocks });
  }
  growth.sort((x, y) => y.blocks - x.blocks || x.char.localeCompare(y.char));
  return { flags, newObjects, newBlocks, freedBlocks, growth };
}

/** `MemoryError: memory allocation failed, allocating N bytes` in program output → N. */
export function memoryErrorRequest(text: string): number | null {
  const m = /MemoryError: memory allocation failed, allocating (\d+) bytes/.exec(text);
  return m ? Number(m[1]) : null;
}
