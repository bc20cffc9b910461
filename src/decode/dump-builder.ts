/**
 * Rebuilds the block maps of one `gc_dump_alloc_table()` from its rows, as they arrive.
 *
 * Rows are placed by their printed offset, not by arrival order, so a re-sent row or a repeated
 * `(N lines all free)` changes nothing. The offset step between rows gives the block size
 * (64 blocks a line: 0x400 → 16 bytes, 0x800 → 32); `%05x` offsets (before v1.20) wrap at
 * 1 MiB and are unwrapped towards the row that was expected next.
 */
import { CH_FREE } from '../heap/block-map.js';

export const BLOCKS_PER_LINE = 64;

/** Map character translation: itself for a valid map character, `=` for the pre-1.8.1 tail
 * `t`, 0 for anything else. */
export const MAP_BYTE = new Uint8Array(256);
for (const c of '.=mTLDSAFBMh') MAP_BYTE[c.charCodeAt(0)] = c.charCodeAt(0);
MAP_BYTE['t'.charCodeAt(0)] = '='.charCodeAt(0);

const VALID_STEPS = new Set([8, 16, 32, 64].map((bs) => bs * BLOCKS_PER_LINE));
const WRAP_5 = 0x100000;

export class AreaBuilder {
  map = new Uint8Array(1024).fill(CH_FREE);
  /** Blocks known so far: the end of the furthest row or free-lines run. */
  extent = 0;
  offsetDigits: 5 | 8 | null = null;
  rows = 0;
  /** Highest line index placed so far, -1 before any row. */
  lastLine = -1;
  /** Its offset as printed (masked for 5 digits). */
  lastOffset = 0;
  /** `(N lines all free)` seen after the last row. */
  freeAfterLast = 0;
  /** The last row when it holds fewer than 64 characters: a fragment may continue it. */
  openRow: { line: number; length: number } | null = null;

  constructor(readonly base: string) {}

  /** Room for `blocks`; `exact` sizes the buffer to exactly that (a hint from GC total). */
  ensure(blocks: number, exact = false): void {
    if (blocks <= this.map.length) return;
    let cap = this.map.length;
    while (cap < blocks) cap *= 2;
    if (exact) cap = blocks;
    const next = new Uint8Array(cap).fill(CH_FREE);
    next.set(this.map);
    this.map = next;
  }

  /** The line where the next row is due. */
  expectedLine(): number {
    return this.lastLine + 1 + this.freeAfterLast;
  }

  finalMap(): Uint8Array {
    // The buffer was sized from GC total: when the map fills it, hand it over without a copy.
    return this.extent === this.map.length ? this.map : this.map.slice(0, this.extent);
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
  offset: number,
  digits: 5 | 8,
  step: number | null,
  fallbackStep: number,
): Placement {
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
      warning: `cannot tell the block size from the row offset ${hex(offset, digits)}; assumed ${fallbackStep / BLOCKS_PER_LINE} bytes`,
    };
  }
  const line = unwrap(offset, digits, step, expected);
  if ((line * step) % WRAP_5 !== offset % WRAP_5 && digits === 5) {
    return { line, warning: `row offset ${hex(offset, digits)} is not a multiple of the line step` };
  }
  if (digits === 8 && offset % step !== 0) {
    return { line, warning: `row offset ${hex(offset, digits)} is not a multiple of the line step` };
  }
  return { line };
}

/** `%05x` offsets are masked to 20 bits: pick the unmasked value nearest the expected line. */
function unwrap(offset: number, digits: 5 | 8, step: number, expectedLine: number): number {
  if (digits === 8) return Math.floor(offset / step);
  const expectedBytes = expectedLine * step;
  const wraps = Math.round((expectedBytes - offset) / WRAP_5);
  const full = offset + Math.max(0, wraps) * WRAP_5;
  return Math.floor(full / step);
}

export function hex(offset: number, digits: 5 | 8): string {
  return offset.toString(16).padStart(digits, '0');
}
