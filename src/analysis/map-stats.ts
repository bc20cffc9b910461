/**
 * Figures of one block map, read the way gc.c reads it: a chain is a head (a type letter or `m`)
 * followed by its `=` tails; free runs never cross an area boundary.
 */
import { CH_FREE, CH_MARK, CH_TAIL } from '../heap/block-map.js';

export interface MapStats {
  blocks: number;
  /** Count per map character present. */
  charCounts: Record<string, number>;
  freeBlocks: number;
  tailBlocks: number;
  /** Every block other than `.` and `=` (type letters and `m`). */
  headBlocks: number;
  markedBlocks: number;
  longestFreeRun: number;
  /** Where the longest free run starts (block index), -1 when there is none. */
  longestFreeStart: number;
  /** Objects: one per head. */
  allocations: number;
  alloc1: number;
  alloc2: number;
  maxAllocBlocks: number;
  /** Tails with no head before them (a map that starts mid-object, or damage). */
  orphanTails: number;
}

export function mapStats(map: Uint8Array): MapStats {
  const counts = new Uint32Array(256);
  let longest = 0;
  let longestStart = -1;
  let run = 0;
  let chain = 0;
  let alloc1 = 0;
  let alloc2 = 0;
  let maxAlloc = 0;
  let orphans = 0;
  const closeChain = () => {
    if (chain === 1) alloc1++;
    else if (chain === 2) alloc2++;
    if (chain > maxAlloc) maxAlloc = chain;
    chain = 0;
  };
  for (let b = 0; b < map.length; b++) {
    const c = map[b];
    counts[c]++;
    if (c === CH_FREE) {
      closeChain();
      if (++run > longest) {
        longest = run;
        longestStart = b - run + 1;
      }
    } else if (c === CH_TAIL) {
      run = 0;
      if (chain > 0) chain++;
      else orphans++;
    } else {
      closeChain();
      run = 0;
      chain = 1;
    }
  }
  closeChain();
  const charCounts: Record<string, number> = {};
  for (let c = 0; c < 256; c++) if (counts[c] > 0) charCounts[String.fromCharCode(c)] = counts[c];
  const heads = map.length - counts[CH_FREE] - counts[CH_TAIL];
  return {
    blocks: map.length,
    charCounts,
    freeBlocks: counts[CH_FREE],
    tailBlocks: counts[CH_TAIL],
    headBlocks: heads,
    markedBlocks: counts[CH_MARK],
    longestFreeRun: longest,
    longestFreeStart: longestStart,
    allocations: heads,
    alloc1,
    alloc2,
    maxAllocBlocks: maxAlloc,
    orphanTails: orphans,
  };
}
