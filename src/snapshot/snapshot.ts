/**
 * The heap snapshot: mpheap's one core model. Every source (the decoder, the heap model, the
 * engines, the boards) produces snapshots; every analysis and view consumes them.
 *
 * Figures are kept exactly as MicroPython printed them (bytes for GC totals, blocks for the
 * block counts) and each heap area holds its block map: one character code per block
 * (see ../heap/block-map.ts), which is both compact and what `mem_info(1)` shows.
 */

export interface StackFigures {
  used: number;
  /** `out of N` when the port has stack checking, else null. */
  limit: number | null;
}

export interface GcFigures {
  /** Pool bytes (all areas). */
  total: number;
  used: number;
  free: number;
  /** `, max new split: N` on ports whose heap grows (v1.21+ split-heap-auto), else null. */
  maxNewSplit: number | null;
}

export interface BlockFigures {
  one: number;
  two: number;
  /** Longest object, in blocks. */
  maxBlock: number;
  /** Longest free run within one area, in blocks. */
  maxFree: number;
}

/** `mem: total=…, current=…, peak=…` (MICROPY_MEM_STATS builds). */
export interface MemStats {
  total: number;
  current: number;
  peak: number;
}

export interface HeapArea {
  /** The pool start as printed after `GC memory layout; from ` (hex, no 0x). */
  base: string;
  /** Hex digits of the line offsets in the dump (5 before v1.20, 8 since), null if unknown. */
  offsetDigits: 5 | 8 | null;
  /** One character code per block: `.` `=` `m` `T L D S A F B M h`. */
  map: Uint8Array;
}

/** Why a snapshot was taken. */
export type SnapshotTrigger =
  | 'start'
  | 'end'
  | 'mem_info'
  | 'snap'
  | 'step'
  | 'memory_error'
  /** Read from the engine's memory when an allocation found no room, even after collecting. */
  | 'alloc_failed'
  | 'poll'
  | 'model'
  | 'decode';

export interface HeapSnapshot {
  /** Position in its sequence, from 0. */
  seq: number;
  /** Capture time in ms since the Unix epoch, when known. */
  time: number | null;
  /** Where it came from: `model`, `file:NAME`, `wasm`, `serial:/dev/ttyACM0`, … */
  source: string;
  label: string | null;
  trigger: SnapshotTrigger | null;
  /** False for a dump cut short: then only what was seen is counted. */
  complete: boolean;
  /** Bytes per block: 16 on 32-bit builds, 32 on 64-bit. */
  blockSize: number;
  stack: StackFigures | null;
  gc: GcFigures | null;
  blocks: BlockFigures | null;
  mem: MemStats | null;
  /** Empty when only `mem_info()` (no argument) was printed. */
  areas: HeapArea[];
  /** Program output just before this snapshot (since the previous one), possibly shortened. */
  outputBefore: string;
  /** What did not add up or had to be repaired, in words. */
  warnings: string[];
}

export type SnapshotMeta = Partial<
  Pick<HeapSnapshot, 'seq' | 'time' | 'source' | 'label' | 'trigger' | 'outputBefore' | 'warnings'>
>;

/** A snapshot with nothing in it yet; sources fill in what they know. */
export function emptySnapshot(meta: SnapshotMeta = {}): HeapSnapshot {
  return {
    seq: meta.seq ?? 0,
    time: meta.time ?? null,
    source: meta.source ?? 'unknown',
    label: meta.label ?? null,
    trigger: meta.trigger ?? null,
    complete: true,
    blockSize: 16,
    stack: null,
    gc: null,
    blocks: null,
    mem: null,
    areas: [],
    outputBefore: meta.outputBefore ?? '',
    warnings: meta.warnings ?? [],
  };
}

/** Total blocks over all areas. */
export function totalBlocks(s: HeapSnapshot): number {
  let n = 0;
  for (const a of s.areas) n += a.map.length;
  return n;
}
