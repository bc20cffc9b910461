/**
 * Finding gc.c's allocation table in a board's RAM, so the probe can watch one block's entry.
 *
 * gc_init puts the table at the start of the heap region and the pool at its end: the table
 * lies a little before the pool's address (which `mem_info(1)` prints), with the finaliser table
 * and some alignment between them, how much depending on the build. So mpheap reads a window of
 * RAM before the pool right after a `mem_info(1)` (nothing allocated in between) and looks for
 * the one place where the bytes say, two bits a block (0 free, 1 head, 2 tail), what the map
 * says. Found at one offset only, that is the table; otherwise it is not used.
 */
import type { HeapSnapshot } from '../../snapshot/snapshot.js';

const FREE = '.'.charCodeAt(0);
const TAIL = '='.charCodeAt(0);

/** The RAM to read before a pool of `blocks` blocks: the table, a finaliser table, alignment. */
export function windowBytes(blocks: number): number {
  return Math.ceil(blocks / 4) + Math.ceil(blocks / 8) + 128;
}

/**
 * The address of the allocation table of the snapshot's first area, given the bytes read from
 * `windowStart` at the same moment; null unless exactly one place in the window matches.
 */
export function findAllocationTable(s: HeapSnapshot, windowStart: number, bytes: Uint8Array): number | null {
  const area = s.areas[0];
  if (!area || !s.complete || !/^[0-9a-f]+$/i.test(area.base)) return null;
  const kinds = Uint8Array.from(area.map, (c) => (c === FREE ? 0 : c === TAIL ? 2 : 1));
  const tableBytes = Math.ceil(kinds.length / 4);
  // An all-free heap matches any run of zeros: nothing to tell the table by.
  if (tableBytes === 0 || kinds.every((k) => k === 0)) return null;
  const matches: number[] = [];
  for (let at = 0; at + tableBytes <= bytes.length; at++) {
    let ok = true;
    for (let b = 0; ok && b < kinds.length; b++)
      ok = ((bytes[at + (b >> 2)] >> (2 * (b & 3))) & 3) === kinds[b];
    if (ok) matches.push(windowStart + at);
  }
  return matches.length === 1 ? matches[0] : null;
}
