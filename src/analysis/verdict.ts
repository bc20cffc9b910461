/**
 * What one snapshot says about its heap, and the one sentence every view states: the terminal,
 * the HTML report, the live dashboard and `--json` all call `heapVerdict`, so they cannot
 * disagree. Browser-safe.
 *
 * Each figure comes from where the capture supports it, or is null:
 *  - `GC: total/used/free` as MicroPython printed them stand, also where the map is cut short
 *    (the part of a map that arrived is not the heap); without a readable `GC:` line the map
 *    is counted.
 *  - The largest free block is ` max free sz` (blocks) or the map's longest free run. From a map
 *    cut short with no ` max free sz` it is only a lower bound; with no map and no ` max free sz`
 *    (MicroPython before 1.9) it is unknown, never 0. In bytes it needs the block size, which a
 *    header alone cannot always tell.
 *  - `max new split` (esp32 and others since v1.21) means the heap can still grow: a larger
 *    allocation than the largest free block may succeed, unless the caller knows the heap is
 *    fixed.
 */
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { bytesText, formatBytes } from '../util/size.js';
import { type HeapFigures, heapFigures } from './figures.js';

export interface SnapshotFigures {
  blockSize: number;
  blockSizeKnown: boolean;
  /** Bytes; null when the capture does not say. */
  totalBytes: number | null;
  usedBytes: number | null;
  freeBytes: number | null;
  /** Where total/used/free come from. */
  from: 'header' | 'map' | null;
  largestFreeBlocks: number | null;
  /** null when unknown, or when the block size is unknown (then see largestFreeBlocks). */
  largestFreeBytes: number | null;
  /** The largest free block is at least this (a map cut short), not exactly. */
  largestFreeIsLowerBound: boolean;
  /** Free runs in the map; null without a whole map. */
  holes: number | null;
  /** 1 − largest free / free, 0 to 1; null unless both are known exactly. */
  fragmentation: number | null;
  /** Bytes the heap may still grow by (`max new split`), null when it cannot grow or says nothing. */
  canGrowBytes: number | null;
  /** The map does not cover the heap the header describes (or may not: no header to tell). */
  mapCut: boolean;
}

export interface VerdictContext {
  /** The MemoryError this snapshot was taken at, if any. */
  memoryError?: { request: number | null } | null;
  /** False when the caller knows the heap cannot grow although `max new split` is printed. */
  heapCanGrow?: boolean;
}

export type VerdictState =
  | 'memory_error'
  | 'full'
  | 'nearly_full'
  | 'fragmented'
  | 'somewhat_fragmented'
  | 'healthy'
  | 'not_full'
  | 'unknown';

export interface Verdict {
  /** ok: nothing to do; warn: worth a look; bad: allocations fail or will; unknown: no figures. */
  level: 'ok' | 'warn' | 'bad' | 'unknown';
  state: VerdictState;
  /** One sentence, with the figures that support it. */
  text: string;
  /** What the figures rest on, where that is not the plain case (map cut, block size unknown…). */
  notes: string[];
  figures: SnapshotFigures;
}

/** Used at or above this share of the heap: full (nothing but small holes left). */
export const FULL_SHARE = 0.95;
export const NEARLY_FULL_SHARE = 0.9;
/** Fragmentation (1 − largest / free) from which the heap is called fragmented. */
export const FRAGMENTED = 0.5;
export const SOMEWHAT_FRAGMENTED = 0.1;

/** `known`: heapFigures(s), where the caller has computed it already (it is not computed again). */
export function snapshotFigures(
  s: HeapSnapshot,
  ctx: VerdictContext = {},
  known: HeapFigures | null = null,
): SnapshotFigures {
  const bs = s.blockSize;
  const hasMap = s.areas.length > 0;
  const map = hasMap ? (known ?? heapFigures(s)) : null;
  const gc = s.gc;
  const headerTotal = gc?.total ?? null;
  // Without a readable GC total nothing shows the map whole but the snapshot being complete.
  const mapCut = map ? (headerTotal !== null ? map.totalBytes < headerTotal : !s.complete) : false;
  let totalBytes: number | null = null;
  let usedBytes: number | null = null;
  let freeBytes: number | null = null;
  let from: SnapshotFigures['from'] = null;
  if (gc && gc.total !== null) {
    totalBytes = gc.total;
    usedBytes = gc.used;
    freeBytes = gc.free;
    from = 'header';
  } else if (map && s.blockSizeKnown) {
    totalBytes = map.totalBytes;
    usedBytes = map.usedBytes;
    freeBytes = map.freeBytes;
    from = 'map';
  }
  let largestFreeBlocks: number | null = null;
  let lowerBound = false;
  const printed = s.blocks?.maxFree ?? null;
  if (printed !== null) largestFreeBlocks = printed;
  else if (map) {
    largestFreeBlocks = map.largestFreeBlocks;
    lowerBound = mapCut;
  }
  const largestFreeBytes = largestFreeBlocks !== null && s.blockSizeKnown ? largestFreeBlocks * bs : null;
  const fragmentation =
    largestFreeBytes !== null && freeBytes !== null && !lowerBound
      ? freeBytes === 0
        ? 0
        : Math.max(0, 1 - largestFreeBytes / freeBytes)
      : null;
  const split = gc?.maxNewSplit ?? null;
  return {
    blockSize: bs,
    blockSizeKnown: s.blockSizeKnown,
    totalBytes,
    usedBytes,
    freeBytes,
    from,
    largestFreeBlocks,
    largestFreeBytes,
    largestFreeIsLowerBound: lowerBound,
    holes: map && !mapCut ? map.holes : null,
    fragmentation,
    canGrowBytes: split !== null && split > 0 && ctx.heapCanGrow !== false ? split : null,
    mapCut,
  };
}

const b = (n: number) => `${bytesText(n)}`;

/** `map`: heapFigures(s), where the caller has computed it already (see snapshotFigures). */
export function heapVerdict(
  s: HeapSnapshot,
  ctx: VerdictContext = {},
  map: HeapFigures | null = null,
): Verdict {
  const f = snapshotFigures(s, ctx, map);
  const notes = figureNotes(s, f);
  const largest = largestText(f);
  const grow =
    f.canGrowBytes !== null
      ? `; the heap can still grow by up to ${b(f.canGrowBytes)} (max new split), so a larger allocation may succeed`
      : '';
  const verdict = (level: Verdict['level'], state: VerdictState, text: string): Verdict => ({
    level,
    state,
    text,
    notes,
    figures: f,
  });

  if (ctx.memoryError) return memoryErrorVerdict(ctx.memoryError.request, f, notes, largest, grow);
  if (f.totalBytes === null || f.usedBytes === null || f.freeBytes === null) {
    return verdict(
      'unknown',
      'unknown',
      s.gc && s.gc.total === null
        ? `No heap figures: the GC: line was damaged${f.largestFreeBlocks !== null ? ` (largest free block ${largest})` : ''}.`
        : 'No heap figures in this snapshot.',
    );
  }
  const share = f.totalBytes === 0 ? 1 : f.usedBytes / f.totalBytes;
  const used = `${b(f.usedBytes)} of ${b(f.totalBytes)} used (${(100 * share).toFixed(1)}%)`;
  if (f.freeBytes === 0 || share >= FULL_SHARE) {
    return verdict(
      f.canGrowBytes !== null ? 'warn' : 'bad',
      'full',
      `Full: ${used}; the largest free block is ${largest}${grow}.`,
    );
  }
  if (share >= NEARLY_FULL_SHARE) {
    return verdict(
      'warn',
      'nearly_full',
      `Nearly full: ${used}; the largest free block is ${largest}${grow}.`,
    );
  }
  if (f.largestFreeIsLowerBound && f.largestFreeBytes !== null) {
    // Only the side a lower bound supports: "not fragmented" when even the bound is large.
    const atMost = 1 - f.largestFreeBytes / f.freeBytes;
    if (atMost < SOMEWHAT_FRAGMENTED) {
      return verdict('ok', 'healthy', `Healthy: ${used}; the largest free block is ${largest}${grow}.`);
    }
  }
  if (f.fragmentation === null) {
    return verdict('ok', 'not_full', `Not full: ${used}; the largest free block is ${largest}${grow}.`);
  }
  const pct = Math.round(100 * f.fragmentation);
  if (f.fragmentation >= FRAGMENTED && (f.holes === null || f.holes > 1)) {
    return verdict(
      'warn',
      'fragmented',
      `Fragmented: ${b(f.freeBytes)} free, but the largest free block is only ${largest} (${pct}% of the free space is in smaller holes)${grow}.`,
    );
  }
  if (f.fragmentation >= SOMEWHAT_FRAGMENTED && (f.holes === null || f.holes > 1)) {
    return verdict(
      'ok',
      'somewhat_fragmented',
      `Somewhat fragmented: ${used}; the largest free block is ${largest} (${pct}% of the free space is in smaller holes)${grow}.`,
    );
  }
  return verdict('ok', 'healthy', `Healthy: ${used}; the largest free block is ${largest}${grow}.`);
}

/**
 * Why an allocation of `request` bytes failed, by the figures: the same words as `run`'s
 * diagnosis. gc_alloc wants whole blocks, so the request is rounded up to them first.
 */
export function memoryErrorCause(
  request: number | null,
  largestFree: number | null,
  free: number | null,
  blockSize = 16,
): 'full' | 'fragmented' | 'fits' | 'unknown' {
  if (request === null || largestFree === null || free === null) return 'unknown';
  const need = Math.ceil(request / blockSize) * blockSize;
  if (largestFree >= need) return 'fits';
  if (free >= need) return 'fragmented';
  return 'full';
}

function memoryErrorVerdict(
  request: number | null,
  f: SnapshotFigures,
  notes: string[],
  largest: string,
  grow: string,
): Verdict {
  const ask = request === null ? 'MemoryError' : `MemoryError allocating ${b(request)}`;
  const free = f.freeBytes === null ? 'free memory unknown' : `${b(f.freeBytes)} free`;
  const largestExact = f.largestFreeIsLowerBound ? null : f.largestFreeBytes;
  let text: string;
  switch (memoryErrorCause(request, largestExact, f.freeBytes, f.blockSize)) {
    case 'fragmented':
      text = `${ask}: the heap is fragmented; ${free}, but the largest free block is only ${largest}.`;
      break;
    case 'full':
      text = `${ask}: the heap is too full; only ${free}, the largest free block ${largest}.`;
      break;
    case 'fits':
      text = `${ask}, though the largest free block (${largest}) would hold it now: memory was freed after the failure, or the allocation could not move (an in-place realloc), or the heap was locked.`;
      break;
    default:
      text = `${ask}: ${free}; the largest free block is ${largest}${grow}.`;
  }
  return { level: 'bad', state: 'memory_error', text, notes, figures: f };
}

/** The largest free block in words: bytes, a lower bound, blocks of unknown size, or unknown. */
function largestText(f: SnapshotFigures): string {
  if (f.largestFreeBlocks === null) return 'not known';
  const blocks = `${formatBytes(f.largestFreeBlocks)} block${f.largestFreeBlocks === 1 ? '' : 's'}`;
  if (f.largestFreeBytes === null) return `${blocks} (block size unknown)`;
  return f.largestFreeIsLowerBound ? `at least ${b(f.largestFreeBytes)}` : b(f.largestFreeBytes);
}

function figureNotes(s: HeapSnapshot, f: SnapshotFigures): string[] {
  const notes: string[] = [];
  if (f.mapCut && f.from === 'header') {
    notes.push(
      'the map is cut short: total, used and free are the GC: line’s; map counts cover only what arrived',
    );
  } else if (f.mapCut) {
    notes.push('the map may be cut short: its counts cover only what arrived');
  }
  if (f.from === 'map' && s.gc && s.gc.total === null) {
    notes.push('the GC: line was damaged: total, used and free are counted in the map');
  }
  if (!f.blockSizeKnown) {
    notes.push(
      `block size unknown: the figures fit 16-byte (32-bit port) and 32-byte (64-bit port) blocks alike; sizes in blocks are not given in bytes (--word 4 or --word 8 tells)`,
    );
  }
  if (s.blocks && s.blocks.maxFree === null && f.largestFreeBlocks === null) {
    notes.push(
      'this MicroPython does not print max free sz (before v1.9): the largest free block is not known without a map',
    );
  }
  return notes;
}

/** Why a snapshot is incomplete, in a few words: its map cut short, its header, or damage. */
export function incompleteWhy(s: HeapSnapshot): string {
  if (s.warnings.some((w) => w.includes('map cut short'))) return 'map cut short';
  if (s.gc === null || s.blocks === null || s.gc.total === null) return 'header lines missing or damaged';
  return 'damaged lines, see the warnings';
}
