/**
 * A block map is one byte per heap block holding the character `mem_info(1)` prints for it:
 * `.` free, `=` tail, `m` marked, or a head's type letter (`T L D S A F B M h`).
 * It is the common currency between the heap model, the decoder and every view, and
 * everything `gc_info()` reports can be recomputed from it.
 */

export const CH_FREE = 0x2e; // '.'
export const CH_TAIL = 0x3d; // '='
export const CH_MARK = 0x6d; // 'm'
export const CH_OTHER = 0x68; // 'h'

/** The letters gc.c prints for a HEAD block, by the type object in its first word. */
export const HEAD_LETTERS = ['T', 'L', 'D', 'S', 'A', 'F', 'B', 'M', 'h'] as const;
export type HeadLetter = (typeof HEAD_LETTERS)[number];

/** Every character a heap map can hold, in legend order. */
export const MAP_CHARS = ['.', '=', 'm', ...HEAD_LETTERS] as const;

const VALID = new Uint8Array(256);
for (const c of MAP_CHARS) VALID[c.charCodeAt(0)] = 1;

export function isMapChar(code: number): boolean {
  return VALID[code] === 1;
}

/** A head is any block that starts an object: a type letter or a mark. */
export function isHeadChar(code: number): boolean {
  return code !== CH_FREE && code !== CH_TAIL && VALID[code] === 1;
}

/** The figures `gc_info()` computes, all in blocks except where noted. */
export interface GcInfoFigures {
  /** Pool bytes. */
  total: number;
  /** Bytes in HEAD and TAIL blocks (MARK counts as neither used nor free, as in gc.c). */
  used: number;
  /** Bytes in FREE blocks. */
  free: number;
  oneBlocks: number;
  twoBlocks: number;
  /** Longest object, in blocks. */
  maxBlock: number;
  /** Longest run of free blocks within one area, in blocks. */
  maxFree: number;
}

/**
 * gc_info() over one or more areas' maps. Mirrors gc.c's loop: a chain is a HEAD (or MARK)
 * followed by TAILs; free runs are counted within an area and never join across areas.
 */
export function gcInfoOfMaps(maps: readonly Uint8Array[], blockSize: number): GcInfoFigures {
  let used = 0;
  let free = 0;
  let oneBlocks = 0;
  let twoBlocks = 0;
  let maxBlock = 0;
  let maxFree = 0;
  let total = 0;
  for (const map of maps) {
    total += map.length;
    // Hot loop (a 4 MiB heap has 262,144 blocks): chain bookkeeping is inlined, not a closure.
    let chain = 0;
    let freeRun = 0;
    for (let b = 0; b < map.length; b++) {
      const c = map[b];
      if (c === CH_TAIL) {
        used++;
        chain++;
        continue;
      }
      if (chain !== 0) {
        if (chain === 1) oneBlocks++;
        else if (chain === 2) twoBlocks++;
        if (chain > maxBlock) maxBlock = chain;
        chain = 0;
      }
      if (c === CH_FREE) {
        free++;
        freeRun++;
        continue;
      }
      if (freeRun > maxFree) maxFree = freeRun;
      freeRun = 0;
      // gc.c counts a MARK as neither used nor free and does not start a chain with it.
      if (c !== CH_MARK) {
        used++;
        chain = 1;
      }
    }
    if (chain === 1) oneBlocks++;
    else if (chain === 2) twoBlocks++;
    if (chain > maxBlock) maxBlock = chain;
    if (freeRun > maxFree) maxFree = freeRun;
  }
  return {
    total: total * blockSize,
    used: used * blockSize,
    free: free * blockSize,
    oneBlocks,
    twoBlocks,
    maxBlock,
    maxFree,
  };
}
