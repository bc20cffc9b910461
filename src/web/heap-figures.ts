/**
 * What only the page needs from a block map: the object or free run under the pointer, the
 * holes to mark for a MemoryError, and which blocks to paint as new or freed. The figures
 * (per-type usage, hole histogram, per-type growth, would-it-fit) come from src/analysis/.
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

export const DIFF_SAME = 0;
export const DIFF_NEW = 1;
export const DIFF_FREED = 2;

export interface MapDiff {
  /** Per block (areas end to end): DIFF_SAME, DIFF_NEW (in an object that was not there) or DIFF_FREED. */
  flags: Uint8Array;
  newObjects: number;
  newBlocks: number;
  freedBlocks: number;
}

/**
 * Blocks newly allocated (in an object whose head, length or type differs from the previous
 * snapshot at that place) and newly freed (free now, used before), block by block for painting.
 * Same-length maps only.
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
  return { flags, newObjects, newBlocks, freedBlocks };
}

/** `MemoryError: memory allocation failed, allocating N bytes` in program output → N. */
export function memoryErrorRequest(text: string): number | null {
  const m = /MemoryError: memory allocation failed, allocating (\d+) bytes/.exec(text);
  return m ? Number(m[1]) : null;
}
