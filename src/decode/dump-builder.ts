/**
 * Rebuilds the block maps of one `gc_dump_alloc_table()` from its rows, as they arrive.
 *
 * Rows are placed by their printed offset, not by arrival order, so a re-sent row or a repeated
 * `(N lines all free)` changes nothing. What the offset means depends on the release:
 *
 *   `%08x` (v1.20+)         byte offset from the area's pool start
 *   `%05x` (v1.8.1-v1.19)   the same, masked to 20 bits: unwrapped towards the row expected next
 *   `%05x` (before v1.8.1)  the block's *address* masked to 20 bits: the first row sits at
 *                           `base & 0xfffff`, which becomes the origin the others count from
 *   `%04x` (2014)           the block number, 64 a row
 *
 * The offset step between rows gives the block size (64 blocks a line: 0x400 → 16 bytes,
 * 0x800 → 32). Every placement is bounded by `limitBlocks`, so a damaged offset or count can
 * neither claim memory nor stretch the map: it is reported and ignored.
 */
import { CH_FREE } from '../heap/block-map.js';
import { MapFigures, PieceFigures, pieceFigures } from '../heap/map-figures.js';

export const BLOCKS_PER_LINE = 64;

export type OffsetDigits = 4 | 5 | 8;

/** Map character translation: itself for a valid map character, `=` for the pre-1.8.1 tail
 * `t`, 0 for anything else. */
export const MAP_BYTE = new Uint8Array(256);
for (const c of '.=mTLDSAFBMh') MAP_BYTE[c.charCodeAt(0)] = c.charCodeAt(0);
MAP_BYTE['t'.charCodeAt(0)] = '='.charCodeAt(0);

/** Scratch for summing up what the slow paths wrote (one row at most). */
const writtenPiece = new PieceFigures();
const writtenWords = new Uint32Array(BLOCKS_PER_LINE / 4);

const VALID_STEPS = new Set([8, 16, 32, 64].map((bs) => bs * BLOCKS_PER_LINE));
const WRAP_5 = 0x100000;
/** Blocks allocated before a row arrives when the header gives no size (the map grows by doubling). */
const INITIAL_BLOCKS = 1024;

export class AreaBuilder {
  /** Allocated at the first row, sized from GC total when the header gives it (ensure). */
  map = new Uint8Array(0);
  /** The same bytes as 32-bit words, for copying whole rows (a row starts on a word). */
  words = new Uint32Array(this.map.buffer, 0, this.map.length >>> 2);
  /** The same bytes again, for summing up what a slow path wrote (written()). */
  private view = new DataView(this.map.buffer);
  /**
   * gc_info() of map[0, figures.blocks), built up as rows are written, for the self-check.
   * Everything past figures.blocks has never been written (FREE). null once a row lands in
   * what was already counted (a row sent again): the check then reads the whole map.
   */
  figures: MapFigures | null = new MapFigures();
  /** Blocks known so far: the end of the furthest row or free-lines run. */
  extent = 0;
  offsetDigits: OffsetDigits | null = null;
  rows = 0;
  /** Highest line index placed so far, -1 before any row. */
  lastLine = -1;
  /** Its offset, relative to the origin (masked for 5 digits). */
  lastOffset = 0;
  /** `(N lines all free)` seen after the last row. */
  freeAfterLast = 0;
  /** The last row when it holds fewer than 64 characters: a fragment may continue it. */
  openRow: { line: number; length: number } | null = null;
  /**
   * The printed offset of the row due next (at expectedLine()), once the step and origin are
   * settled so that placeRow would put it there without a word; -1 before. Such a row ending
   * within `nextRoom` blocks skips placeRow and the bounds (decoder.ts row()).
   */
  nextOffset = -1;
  nextRoom = 0;
  /**
   * What a printed offset counts from: 0, or `base & 0xfffff` for the pre-1.8.1 dumps that
   * print the block's address. Settled by the first row.
   */
  origin = 0;

  constructor(readonly base: string) {}

  /** Room for `blocks`; `exact` sizes the buffer to exactly that (a hint from GC total). */
  ensure(blocks: number, exact = false): void {
    if (blocks <= this.map.length) return;
    let cap = Math.max(this.map.length, INITIAL_BLOCKS);
    while (cap < blocks) cap *= 2;
    if (exact) cap = blocks;
    const next = new Uint8Array(cap).fill(CH_FREE);
    next.set(this.map);
    this.map = next;
    this.words = new Uint32Array(next.buffer, 0, next.length >>> 2);
    this.view = new DataView(next.buffer);
  }

  /** Map blocks [start, start + piece.blocks), summed up in `piece`, were just written. */
  counted(start: number, piece: PieceFigures): void {
    const f = this.figures;
    if (f === null) return;
    if (start < f.blocks) {
      this.figures = null;
      return;
    }
    f.addFree(start - f.blocks);
    f.add(piece);
  }

  /** Map blocks [start, start + length) were just written (at most a row). */
  written(start: number, length: number): void {
    if (this.figures === null || length <= 0) return;
    if (pieceFigures(this.view, start, start + length, writtenPiece, writtenWords))
      this.counted(start, writtenPiece);
    else this.figures = null;
  }

  /** Settles nextOffset after a row or a free-lines run; `room` is the area's bound in blocks. */
  expectNext(step: number | null, room: number): void {
    if (step === null || this.rows === 0 || this.offsetDigits === null) {
      this.nextOffset = -1;
      return;
    }
    const line = this.expectedLine();
    const bytes = line * step;
    if (this.offsetDigits === 4) this.nextOffset = line * BLOCKS_PER_LINE;
    else if (this.offsetDigits === 5) this.nextOffset = (this.origin + bytes) % WRAP_5;
    else this.nextOffset = bytes;
    this.nextRoom = room;
  }

  /** The line where the next row is due. */
  expectedLine(): number {
    return this.lastLine + 1 + this.freeAfterLast;
  }

  finalMap(): Uint8Array {
    // The buffer was sized from GC total: when the map fills it, hand it over without a copy.
    return this.extent === this.map.length ? this.map : this.map.slice(0, this.extent);
  }

  /**
   * Settles the origin at the first row of a `%05x` dump: when the first offset is the pool's
   * own address (masked) rather than 0, the dump is one of the pre-1.8.1 kind.
   */
  settleOrigin(offset: number, digits: OffsetDigits, fallbackStep: number): void {
    if (this.rows > 0 || digits !== 5 || offset === 0) return;
    const base = /^[0-9a-f]+$/i.test(this.base) ? Number.parseInt(this.base, 16) : Number.NaN;
    const lines = this.expectedLine();
    if (Number.isFinite(base)) {
      for (const step of new Set([fallbackStep, ...VALID_STEPS])) {
        if ((base + lines * step) % WRAP_5 === offset) {
          this.origin = base % WRAP_5;
          return;
        }
      }
    }
  }
}

export interface Placement {
  line: number;
  /** Set when the step was inferred at this row. */
  inferredStep?: number;
  warning?: string;
}

/**
 * The line index of a row printed at `offset`. `step` is the snapshot's bytes per line when
 * known; when it is not, it is inferred from this row and the previous one (or line 0).
 */
export function placeRow(
  area: AreaBuilder,
  printed: number,
  digits: OffsetDigits,
  step: number | null,
  fallbackStep: number,
): Placement {
  if (digits === 4) return { line: Math.floor(printed / BLOCKS_PER_LINE) };
  area.settleOrigin(printed, digits, fallbackStep);
  const offset = relativeOffset(area, printed, digits);
  const expected = area.expectedLine();
  if (step === null) {
    if (area.rows === 0 && offset === 0) return { line: 0 };
    const refLine = area.rows === 0 ? 0 : area.lastLine;
    const refOffset = area.rows === 0 ? 0 : area.lastOffset;
    const lines = expected - refLine;
    let delta = offset - refOffset;
    if (digits === 5 && delta < 0) delta += WRAP_5;
    if (lines > 0 && delta > 0 && delta % lines === 0 && VALID_STEPS.has(delta / lines)) {
      const inferred = delta / lines;
      return { line: unwrap(offset, digits, inferred, expected), inferredStep: inferred };
    }
    return {
      line: Math.floor(offset / fallbackStep),
      warning: `cannot tell the block size from the row offset ${hex(printed, digits)}; assumed ${fallbackStep / BLOCKS_PER_LINE} bytes`,
    };
  }
  const line = unwrap(offset, digits, step, expected);
  if ((digits === 5 && (line * step) % WRAP_5 !== offset) || (digits === 8 && offset % step !== 0)) {
    return { line, warning: `row offset ${hex(printed, digits)} is not a multiple of the line step` };
  }
  return { line };
}

/** The offset relative to the area's origin, as `lastOffset` keeps it. */
export function relativeOffset(area: AreaBuilder, printed: number, digits: OffsetDigits): number {
  return digits === 5 ? (printed - area.origin + WRAP_5) % WRAP_5 : printed;
}

/** `%05x` offsets are masked to 20 bits: pick the unmasked value nearest the expected line. */
function unwrap(offset: number, digits: OffsetDigits, step: number, expectedLine: number): number {
  if (digits !== 5) return Math.floor(offset / step);
  const expectedBytes = expectedLine * step;
  const wraps = Math.round((expectedBytes - offset) / WRAP_5);
  const full = offset + Math.max(0, wraps) * WRAP_5;
  return Math.floor(full / step);
}

export function hex(offset: number, digits: OffsetDigits): string {
  return offset.toString(16).padStart(digits, '0');
}
