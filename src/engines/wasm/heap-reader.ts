/**
 * Reading gc.c's heap straight from the WebAssembly engine's memory: its allocation table (two
 * bits per block: 0 free, 1 head, 2 tail, 3 mark) and, for a head, the type pointer in its first
 * word, from which `gc_dump_alloc_table()` picks the letter it prints (T L D S A F B M, else h).
 * The maps made here are the ones `mem_info(1)` prints, block for block (the tests check it
 * against the decoded text), without running any Python: so they can be taken inside a
 * collection or a failed allocation, and they cost the heap nothing.
 *
 * These functions run inside the engine's worker thread (worker-source.ts embeds their source),
 * so each one is self-contained: no imports, no names from outside its own body.
 */

/** Where the heap's state is in memory (found by the transform, board-gc/locate.ts). */
export interface HeapMemoryLayout {
  /** Address of the first `mp_state_mem_area_t`; areas are a linked list through `next`. */
  areaList: number;
  area: { next: number; allocTable: number; poolStart: number; poolEnd: number };
  blockSize: number;
}

/**
 * Addresses of the type objects gc_dump_alloc_table() compares a head's first word with (0 where
 * the build has none), in the order it tests them: tuple, list, dict, str, bytes, bytearray,
 * array, float, function (bytecode), module.
 */
export type TypeAddresses = readonly number[];

/** The letter for each entry of TypeAddresses. */
export const TYPE_LETTERS = 'TLDSSAAFBM';

export interface HeapCounts {
  /** Blocks per state over all areas. */
  used: number;
  free: number;
  total: number;
  /** Longest run of free blocks within one area. */
  largestFree: number;
  areas: number;
}

/** Block counts and the largest free run, from the allocation tables alone (fast). */
export function readHeapCounts(memory: ArrayBuffer, layout: HeapMemoryLayout): HeapCounts {
  const u8 = new Uint8Array(memory);
  const u32 = new Uint32Array(memory);
  const counts = { used: 0, free: 0, total: 0, largestFree: 0, areas: 0 };
  for (let area = layout.areaList; area !== 0; area = u32[(area + layout.area.next) >>> 2]) {
    const atb = u32[(area + layout.area.allocTable) >>> 2];
    const blocks =
      (u32[(area + layout.area.poolEnd) >>> 2] - u32[(area + layout.area.poolStart) >>> 2]) /
      layout.blockSize;
    let run = 0;
    for (let b = 0; b < blocks; b++) {
      if (((u8[atb + (b >>> 2)] >>> ((b & 3) << 1)) & 3) === 0) {
        counts.free++;
        run++;
        if (run > counts.largestFree) counts.largestFree = run;
      } else {
        counts.used++;
        run = 0;
      }
    }
    counts.total += blocks;
    counts.areas++;
    if (counts.areas > 4096) break; // a damaged list must not loop forever
  }
  return counts;
}

export interface HeapAreaMap {
  /** Pool start address, as `mem_info(1)` prints it (`2fb80`). */
  base: string;
  /** One map character code per block. */
  map: Uint8Array;
}

/** Each area's block map, with the letters `mem_info(1)` would print. */
export function readHeapMaps(
  memory: ArrayBuffer,
  layout: HeapMemoryLayout,
  types: TypeAddresses,
): HeapAreaMap[] {
  const u8 = new Uint8Array(memory);
  const u32 = new Uint32Array(memory);
  const letters = 'TLDSSAAFBM';
  const out: HeapAreaMap[] = [];
  for (
    let area = layout.areaList;
    area !== 0 && out.length <= 4096;
    area = u32[(area + layout.area.next) >>> 2]
  ) {
    const atb = u32[(area + layout.area.allocTable) >>> 2];
    const pool = u32[(area + layout.area.poolStart) >>> 2];
    const blocks = (u32[(area + layout.area.poolEnd) >>> 2] - pool) / layout.blockSize;
    const map = new Uint8Array(blocks);
    for (let b = 0; b < blocks; b++) {
      const kind = (u8[atb + (b >>> 2)] >>> ((b & 3) << 1)) & 3;
      if (kind === 0)
        map[b] = 0x2e; // '.'
      else if (kind === 2)
        map[b] = 0x3d; // '='
      else if (kind === 3)
        map[b] = 0x6d; // 'm'
      else {
        const type = u32[(pool + b * layout.blockSize) >>> 2];
        let c = 0x68; // 'h'
        for (let i = 0; i < types.length; i++) {
          if (types[i] !== 0 && types[i] === type) {
            c = letters.charCodeAt(i);
            break;
          }
        }
        map[b] = c;
      }
    }
    out.push({ base: pool.toString(16), map });
  }
  return out;
}
