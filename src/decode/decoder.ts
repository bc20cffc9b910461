/**
 * The streaming `mem_info` decoder (contract in ./api.ts).
 *
 * Bytes arrive in any chunks; complete lines are handled one at a time by a small state machine:
 *
 *   idle  ──mem:/stack:/GC: line──►  info  ──GC memory layout──►  dump  ──map covers GC total──► idle
 *     ▲                               │ other line: snapshot without a map     │ other line: end of map
 *     └───────────────────────────────┴─────────────────────────────────────────┘
 *
 * Rows (the bulk of any log) take a byte-level fast path: checked, summed up for the self-check
 * (heap/map-figures.ts) and copied into the map in one pass, a whole row without even a search
 * for its newline; everything else is cleaned of escape sequences and control bytes and matched
 * as text. A snapshot is emitted the moment its map covers `GC: total`, or when something else
 * clearly starts, or at end(); one cut short is kept and marked incomplete, and a complete one
 * has its header figures checked against its map.
 *
 * The result never depends on how the input was chunked: every decision taken early on a line
 * still arriving (partial-line.ts) is one the whole line would lead to as well. And nothing the
 * input says is trusted with memory: a map never grows past what its header's `GC: total`
 * allows (or MAX_BLOCKS_WITHOUT_HEADER), and a line longer than LONG_LINE is passed on as
 * program output as it arrives instead of being held.
 */
import { CH_FREE, type GcInfoFigures, gcInfoOfMaps } from '../heap/block-map.js';
import { type GcInfoCounts, joinAreaFigures, PieceFigures, pieceFigures } from '../heap/map-figures.js';
import type {
  BlockFigures,
  GcFigures,
  HeapArea,
  HeapSnapshot,
  SnapshotTrigger,
} from '../snapshot/snapshot.js';
import { emptySnapshot } from '../snapshot/snapshot.js';
import type { DecodeResult, DecoderOptions, DecodeWarning, StreamDecoder } from './api.js';
import { blockSizeOfHeader } from './block-size.js';
import { asciiString, cleanBytes, isPlainAscii } from './clean.js';
import {
  AreaBuilder,
  BLOCKS_PER_LINE,
  hex,
  MAP_BYTE,
  type OffsetDigits,
  placeRow,
  relativeOffset,
} from './dump-builder.js';
import {
  damagedInfoKind,
  FREE_LINES,
  findInfo,
  INFO_RANK,
  type InfoKind,
  type InfoLine,
  isUnknownSection,
  parseInfo,
  ROW_START,
} from './info-lines.js';
import { parseMarker, type SnapshotMarker } from './markers.js';
import { PartialLine } from './partial-line.js';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const SPACE = 0x20;
/** How much program output a snapshot keeps in `outputBefore`. */
const OUTPUT_BEFORE_LIMIT = 16 * 1024;
/**
 * Bounds on what a capture can make the decoder hold (docs/performance.md). A heap's blocks
 * are bounded by its header's `GC: total` (counted at the smallest block size, 8 bytes, until
 * the rows show the real one), and never more than MAX_BLOCKS; a map with no readable
 * `GC: total` by the largest any header of the input claimed, or MAX_BLOCKS_WITHOUT_HEADER.
 */
const MAX_BLOCKS = 64 * 1024 * 1024;
const MAX_BLOCKS_WITHOUT_HEADER = 4 * 1024 * 1024;
const SMALLEST_BLOCK = 8;
/** A map buffer is sized from `GC: total` up to this many blocks at once, then grows by doubling. */
const MAX_PRESIZE = 4 * 1024 * 1024;
/** A line longer than this is program output (no mem_info line is): passed on as it arrives. */
const LONG_LINE = 64 * 1024;
/** The end of a long line that is still read as a line (a mem_info line glued after output). */
const LONG_LINE_TAIL = 1024;

/** Whole rows are copied into the map as 32-bit words built little-endian (pieceFigures). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

type State = 'idle' | 'info' | 'dump';

/** Everything gathered for the snapshot being read. */
class PendingSnapshot {
  stack: HeapSnapshot['stack'] = null;
  gc: GcFigures | null = null;
  blocks: BlockFigures | null = null;
  mem: HeapSnapshot['mem'] = null;
  areas: AreaBuilder[] = [];
  /** The area rows go into; null under a section header mpheap does not know. */
  current: AreaBuilder | null = null;
  /** Bytes per map line (64 × block size) once the rows have shown it. */
  step: number | null = null;
  warnings: string[] = [];
  lastRank = -1;
  lastText = '';
  /** Some mem_info line before the map was seen (a bare gc_dump_alloc_table() has none). */
  sawHeader = false;
  truncatedMidLine = false;
  /** Something was damaged or had to be dropped: the snapshot is not complete. */
  damaged = false;
  /** The section header rows are being dropped under, and how many were. */
  unknownSection: string | null = null;
  unplacedRows = 0;
  /** Blocks in the areas before the current one (fixed once the current one starts). */
  blocksBefore = 0;

  constructor(
    readonly marker: SnapshotMarker | null,
    readonly outputBefore: string,
  ) {}

  /** Blocks known in all areas: rows go only to the last area, so this is cheap per row. */
  blocksSeen(): number {
    const last = this.areas[this.areas.length - 1];
    return this.blocksBefore + (last ? last.extent : 0);
  }
}

export class MemInfoDecoder implements StreamDecoder {
  private state: State = 'idle';
  private snap: PendingSnapshot | null = null;
  private marker: SnapshotMarker | null = null;
  private seq = 0;
  private carry = new Uint8Array(256);
  private carryLen = 0;
  /** Bytes at the start of the carried partial line already passed on as output (a prompt). */
  private carryEmitted = 0;
  /** Bytes of the current line already passed on as output and dropped (a long line). */
  private lineDropped = 0;
  private readonly partial = new PartialLine();
  private lineNo = 1;
  /** Byte offset in the input of the line being handled. */
  private lineOffset = 0;
  private pendingOutput = '';
  private outputSince = '';
  private readonly utf8 = new TextDecoder('utf-8');
  private readonly encoder = new TextEncoder();
  private readonly fallbackBlockSize: number;
  /** The most blocks any `GC: total` of this input claimed (bounds maps without one). */
  private largestClaim = 0;
  private ended = false;
  /** The row on the fast path, summed up and as words (pieceFigures). */
  private readonly rowFigures = new PieceFigures();
  private readonly rowWords = new Uint32Array(BLOCKS_PER_LINE / 4);
  /** The bytes rows were last read from, and a DataView of them (viewOf). */
  private viewBytes: Uint8Array | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(private readonly opts: DecoderOptions) {
    this.fallbackBlockSize = opts.blockSize ?? 16;
  }

  feed(chunk: Uint8Array | string): void {
    if (this.ended) return;
    const bytes = typeof chunk === 'string' ? this.encoder.encode(chunk) : plainBytes(chunk);
    let pos = 0;
    if (this.carryLen > 0) {
      const nl = bytes.indexOf(LF);
      if (nl < 0) {
        this.appendCarry(bytes, 0, bytes.length);
        this.afterFeed();
        return;
      }
      this.appendCarry(bytes, 0, nl + 1, true);
      this.line(this.carry, 0, this.carryLen);
      this.resetCarry();
      pos = nl + 1;
    }
    for (;;) {
      if (this.state === 'dump') {
        const next = this.wholeRow(bytes, pos);
        if (next > 0) {
          pos = next;
          continue;
        }
      }
      const nl = bytes.indexOf(LF, pos);
      if (nl < 0) break;
      this.line(bytes, pos, nl + 1);
      pos = nl + 1;
    }
    if (pos < bytes.length) this.appendCarry(bytes, pos, bytes.length);
    this.afterFeed();
  }

  end(): void {
    if (this.ended) return;
    if (this.carryLen > 0) {
      const len = this.carryLen;
      this.carryLen = 0;
      this.line(this.carry, 0, len, true);
      this.resetCarry();
    }
    if (this.snap) this.close();
    this.flushOutput();
    this.ended = true;
  }

  // ── lines ──────────────────────────────────────────────────────────────────────────────

  private resetCarry(): void {
    this.carryLen = 0;
    this.carryEmitted = 0;
    this.lineDropped = 0;
    this.partial.reset();
  }

  /** Adds bytes to the carried line; `ends` when they end it (its newline is among them). */
  private appendCarry(bytes: Uint8Array, from: number, to: number, ends = false): void {
    const need = this.carryLen + (to - from);
    if (need > this.carry.length) {
      let cap = this.carry.length;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.carry.subarray(0, this.carryLen));
      this.carry = next;
    }
    this.carry.set(bytes.subarray(from, to), this.carryLen);
    this.carryLen = need;
    if (this.carryLen > LONG_LINE && !ends) this.flushLongCarry();
  }

  /**
   * A line still without its newline grew past LONG_LINE: it is program output. Everything but
   * its last LONG_LINE_TAIL bytes is passed on now and dropped, so a board that never prints a
   * newline costs bounded memory.
   */
  private flushLongCarry(): void {
    if (this.snap) this.close();
    const split = charBoundary(this.carry, this.carryLen - LONG_LINE_TAIL, 0);
    if (split > this.carryEmitted)
      this.emitText(this.utf8.decode(this.carry.subarray(this.carryEmitted, split)));
    this.carry.copyWithin(0, split, this.carryLen);
    this.carryLen -= split;
    this.carryEmitted = Math.max(0, this.carryEmitted - split);
    this.lineDropped += split;
    this.partial.reset();
  }

  /** One line [from, to) including its terminator (none when `last`). */
  private line(buf: Uint8Array, from: number, to: number, last = false): void {
    let start = from;
    let skip = this.carryEmitted;
    if (this.lineDropped + (to - from) > LONG_LINE) {
      // Program output, whatever it holds; only its end is still read (as flushLongCarry does).
      if (this.snap) this.close();
      const split = charBoundary(buf, to - LONG_LINE_TAIL, from);
      if (split > from + skip) this.emitText(this.utf8.decode(buf.subarray(from + skip, split)));
      skip = Math.max(0, skip - (split - from));
      start = split;
    }
    let end = to;
    if (end > start && buf[end - 1] === LF) end--;
    while (end > start && buf[end - 1] === CR) end--;
    this.content(buf, start, to, end, last, skip);
    this.lineOffset += this.lineDropped + (to - from);
    this.lineNo++;
  }

  /** A line's content [from, end), its terminator up to `to`. */
  private content(buf: Uint8Array, from: number, to: number, end: number, last: boolean, skip: number): void {
    if (this.state === 'dump') {
      if (this.fastRow(buf, from, end)) return;
      // A board reset in the middle of a dump: NUL, then its banner, glued onto a row. The row
      // ends at the NUL; the banner is a line of its own (never the rest of the row, although
      // `MicroPython` starts with a map letter).
      const nul = indexOfByte(buf, NUL, from, end);
      if (nul >= 0) {
        this.content(buf, from, nul, nul, false, skip);
        if (this.snap?.current) this.snap.current.openRow = null;
        this.content(buf, nul + 1, to, end, last, 0);
        return;
      }
    }
    const plain = isPlainAscii(buf, from, end);
    if (plain && this.state !== 'dump') {
      // Program output or a header line: decoded once, for matching and to be passed on.
      const whole = this.utf8.decode(buf.subarray(from, to));
      this.handle(null, whole.slice(0, end - from), { buf, from, to, end, plain, skip, cut: last, whole });
      return;
    }
    const clean = plain ? buf.subarray(from, end) : cleanBytes(buf, from, end);
    if (last && this.state === 'dump') this.markCut(clean);
    this.handle(clean, null, { buf, from, to, end, plain, skip, cut: last, whole: null });
  }

  /**
   * A whole row as gc.c prints it, offset, 64 map characters and a newline, at `pos`: placed
   * without looking for the newline first (a search per line showed in profiles). Returns
   * where the next line starts, or 0 when the line is anything else: line() then reads it,
   * and does with a line of this form exactly what is done here.
   */
  private wholeRow(buf: Uint8Array, pos: number): number {
    const snap = this.snap;
    const area = snap?.current;
    if (!snap || !area) return 0;
    const n = buf.length;
    let i = pos;
    let offset = 0;
    while (i < n && HEX[buf[i]] >= 0 && i - pos < 8) offset = offset * 16 + HEX[buf[i++]];
    const digits = i - pos;
    if ((digits !== 4 && digits !== 5 && digits !== 8) || i >= n || buf[i] !== COLON) return 0;
    i++;
    if (i < n && buf[i] === SPACE) i++;
    const end = i + BLOCKS_PER_LINE;
    if (end >= n) return 0;
    let next: number;
    if (buf[end] === LF) next = end + 1;
    else if (buf[end] === CR && end + 1 < n && buf[end + 1] === LF) next = end + 2;
    else return 0;
    if (LITTLE_ENDIAN && this.isNextRow(area, offset, digits as OffsetDigits)) {
      // Checked and summed up straight into its place, which no row has written yet (it lies
      // past the last one): on a byte that is no map character the place is FREE again.
      const line = area.expectedLine();
      const start = line * BLOCKS_PER_LINE;
      area.ensure(start + BLOCKS_PER_LINE);
      if (!pieceFigures(this.viewOf(buf), i, end, this.rowFigures, area.words, start >>> 2)) {
        area.map.fill(CH_FREE, start, start + BLOCKS_PER_LINE);
        return 0;
      }
      this.placedNext(snap, area, line, this.rowFigures);
    } else {
      if (!pieceFigures(this.viewOf(buf), i, end, this.rowFigures, this.rowWords)) return 0;
      this.row(snap, area, offset, digits as OffsetDigits, buf, i, end, true, this.rowFigures);
    }
    this.lineOffset += next - pos;
    this.lineNo++;
    return next;
  }

  /** `buf` as a DataView, for pieceFigures: made once per chunk (or carried line). */
  private viewOf(buf: Uint8Array): DataView {
    if (buf !== this.viewBytes) {
      this.viewBytes = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.view;
  }

  /** Rows of clean ASCII (the bulk of every dump) go straight into the map. */
  private fastRow(buf: Uint8Array, from: number, end: number): boolean {
    const snap = this.snap;
    const area = snap?.current;
    if (!snap || !area) return false;
    let i = from;
    let offset = 0;
    while (i < end && HEX[buf[i]] >= 0 && i - from < 8) offset = offset * 16 + HEX[buf[i++]];
    const digits = i - from;
    if ((digits !== 4 && digits !== 5 && digits !== 8) || i >= end || buf[i] !== COLON) return false;
    i++;
    if (i < end && buf[i] === SPACE) i++;
    // Every remaining byte must be a map character as printed today, else the careful path
    // (escapes, garbage, the old tail `t`, text glued after the row) handles the line. The
    // same pass sums the row up for the self-check.
    if (end - i <= BLOCKS_PER_LINE) {
      if (!pieceFigures(this.viewOf(buf), i, end, this.rowFigures, this.rowWords)) return false;
      this.row(snap, area, offset, digits as OffsetDigits, buf, i, end, true, this.rowFigures);
      return true;
    }
    for (let j = i; j < end; j++) {
      const c = buf[j];
      if (MAP_BYTE[c] !== c) return false;
    }
    this.row(snap, area, offset, digits as OffsetDigits, buf, i, end, true);
    return true;
  }

  /** A line that is not a whole row: its cleaned bytes, or its text when it is plain ASCII. */
  private handle(clean: Uint8Array | null, text: string | null, raw: RawLine): void {
    const snap = this.snap;
    if (snap && this.state === 'info' && snap.lastRank === INFO_RANK.blocks) {
      const lead = (text ?? asciiString(clean as Uint8Array)).trimStart();
      if (lead !== '' && !continuesHeader(lead, snap)) {
        // Only the map, a repeat of the last line or another section can follow ` No. of
        // 1-blocks:` (the same test as afterFeed's on a line still arriving).
        this.close();
      } else if (ROW_START.test(lead)) {
        this.startArea(snap, '?');
        snap.damaged = true;
        this.warn("map rows without their 'GC memory layout' line; the area's address is unknown");
      } else if (isUnknownSection(lead)) {
        this.unknownSection(snap, lead.trim());
        return;
      }
    }
    if (this.state === 'dump' && this.dumpLine(clean ?? raw.buf.subarray(raw.from, raw.end), raw)) return;
    this.text(text ?? asciiString(clean as Uint8Array), raw);
  }

  /** A line while reading a map; false when it is not part of the map. */
  private dumpLine(clean: Uint8Array, raw: RawLine): boolean {
    const snap = this.snap as PendingSnapshot;
    const area = snap.current;
    const n = clean.length;
    if (n === 0) return true; // blank lines inside a dump (a logger's doubled newline) mean nothing
    let i = 0;
    let offset = 0;
    while (i < n && HEX[clean[i]] >= 0 && i < 8) offset = offset * 16 + HEX[clean[i++]];
    const isRow = (i === 4 || i === 5 || i === 8) && i < n && clean[i] === COLON;
    const text = isRow ? '' : asciiString(clean);
    const free = isRow ? null : FREE_LINES.exec(text);
    if (!area) {
      if (isRow || free) {
        snap.unplacedRows++;
        return true;
      }
      if (isUnknownSection(text)) {
        this.unknownSection(snap, text.trim());
        return true;
      }
      return false;
    }
    if (isRow) {
      let j = i + 1;
      if (j < n && clean[j] === SPACE) j++;
      let k = j;
      while (k < n && MAP_BYTE[clean[k]] !== 0) k++;
      this.row(snap, area, offset, i as OffsetDigits, clean, j, k, false);
      if (k < n) this.rest(clean, k, raw);
      return true;
    }
    if (area.openRow && MAP_BYTE[clean[0]] !== 0) {
      let k = 0;
      while (k < n && MAP_BYTE[clean[k]] !== 0) k++;
      this.continuation(snap, area, clean, k);
      if (k < n) this.rest(clean, k, raw);
      return true;
    }
    if (free) {
      this.freeLines(snap, area, Number(free[1]));
      return true;
    }
    if (isUnknownSection(text)) {
      this.unknownSection(snap, text.trim());
      return true;
    }
    return false;
  }

  /** A section header mpheap does not know: rows under it cannot be placed in any area. */
  private unknownSection(snap: PendingSnapshot, header: string): void {
    if (snap.current) snap.current.openRow = null;
    snap.current = null;
    snap.unknownSection = header;
    this.state = 'dump';
  }

  /** What follows the map characters on a row line (e.g. `stack:` with no newline before it). */
  private rest(clean: Uint8Array, from: number, raw: RawLine): void {
    const text = asciiString(clean, from).trim();
    if (text === '') return;
    if (this.snap && this.state === 'dump') {
      const found = findInfo(text);
      if (!found && text.indexOf('#mpheap ') < 0) {
        this.warn(`garbled map row: unexpected '${shorten(text)}' after the block characters`);
        return;
      }
    }
    this.text(text, { ...raw, plain: false, skip: 0, whole: null });
  }

  // ── map rows ───────────────────────────────────────────────────────────────────────────

  /** The blocks the snapshot's maps may hold in all (see MAX_BLOCKS). */
  private limitBlocks(snap: PendingSnapshot): number {
    const total = snap.gc?.total ?? null;
    if (total !== null && total > 0) {
      const bs = snap.step === null ? SMALLEST_BLOCK : snap.step / BLOCKS_PER_LINE;
      return Math.min(Math.ceil(total / bs), MAX_BLOCKS);
    }
    return Math.min(Math.max(this.largestClaim, MAX_BLOCKS_WITHOUT_HEADER), MAX_BLOCKS);
  }

  private limitSaid(snap: PendingSnapshot): string {
    const total = snap.gc?.total ?? null;
    return total !== null && total > 0
      ? `the heap's end (GC total ${total} bytes)`
      : `the ${this.limitBlocks(snap)} blocks a map without a readable GC total may hold`;
  }

  private row(
    snap: PendingSnapshot,
    area: AreaBuilder,
    offset: number,
    digits: OffsetDigits,
    src: Uint8Array,
    from: number,
    to: number,
    /** src[from, to) holds map characters as printed: no translation. */
    verbatim: boolean,
    /** src[from, to) summed up, and in rowWords as words (pieceFigures), when the row was. */
    figures: PieceFigures | null = null,
  ): void {
    if (figures !== null && to - from === BLOCKS_PER_LINE && this.isNextRow(area, offset, digits)) {
      // The row due next: where it goes and that it fits were settled by the one before.
      const line = area.expectedLine();
      const start = line * BLOCKS_PER_LINE;
      area.ensure(start + BLOCKS_PER_LINE);
      if (LITTLE_ENDIAN) {
        const words = area.words;
        const at = start >>> 2;
        for (let k = 0; k < BLOCKS_PER_LINE / 4; k++) words[at + k] = this.rowWords[k];
      } else {
        area.map.set(src.subarray(from, to), start);
      }
      this.placedNext(snap, area, line, figures);
      return;
    }
    if (area.offsetDigits === null) area.offsetDigits = digits;
    const placed = placeRow(area, offset, digits, snap.step, this.fallbackBlockSize * BLOCKS_PER_LINE);
    let length = to - from;
    if (length > BLOCKS_PER_LINE) {
      this.warn(`map row ${hex(offset, digits)} has ${length} blocks; kept the first ${BLOCKS_PER_LINE}`);
      length = BLOCKS_PER_LINE;
    }
    const start = placed.line * BLOCKS_PER_LINE;
    const room = this.limitBlocks(snap) - snap.blocksBefore;
    if (start >= room) {
      this.warn(`map row ${hex(offset, digits)} lies past ${this.limitSaid(snap)}; dropped`);
      snap.damaged = true;
      return;
    }
    if (start + length > room) {
      this.warn(`map row ${hex(offset, digits)} runs past ${this.limitSaid(snap)}; cut there`);
      snap.damaged = true;
      length = room - start;
    }
    if (placed.inferredStep !== undefined) snap.step = placed.inferredStep;
    if (placed.warning) this.warn(placed.warning);
    if (area.rows === 0 && snap.gc?.total) {
      // Size the map once from GC total rather than doubling it row by row.
      const bs = snap.step === null ? this.fallbackBlockSize : snap.step / BLOCKS_PER_LINE;
      const hint = Math.min(Math.floor(snap.gc.total / bs) - snap.blocksBefore, room);
      if (hint > 0) area.ensure(Math.min(hint, MAX_PRESIZE), true);
    }
    area.ensure(start + length);
    const map = area.map;
    if (figures !== null && length === to - from) {
      if (length === BLOCKS_PER_LINE && LITTLE_ENDIAN) area.words.set(this.rowWords, start >>> 2);
      else map.set(src.subarray(from, to), start);
      area.counted(start, figures);
    } else {
      if (verbatim) map.set(src.subarray(from, from + length), start);
      else for (let i = 0; i < length; i++) map[start + i] = MAP_BYTE[src[from + i]];
      area.written(start, length);
    }
    if (placed.line <= area.lastLine) {
      this.warn(`map row ${hex(offset, digits)} arrived again; kept the later copy`);
    } else {
      const expected = area.expectedLine();
      if (placed.line > expected && area.rows > 0) {
        this.warn(`map rows missing before ${hex(offset, digits)}; counted as free`);
      }
      area.lastLine = placed.line;
      area.lastOffset = relativeOffset(area, offset, digits);
      area.freeAfterLast = 0;
    }
    area.rows++;
    if (start + length > area.extent) area.extent = start + length;
    area.openRow = length < BLOCKS_PER_LINE ? { line: placed.line, length } : null;
    area.expectNext(snap.step, this.limitBlocks(snap) - snap.blocksBefore);
    this.checkFull(snap);
  }

  /**
   * A row at the offset due next (area.nextOffset) that ends within the bound: row() would put
   * it at expectedLine() without a word.
   */
  private isNextRow(area: AreaBuilder, offset: number, digits: OffsetDigits): boolean {
    return (
      offset === area.nextOffset &&
      digits === area.offsetDigits &&
      (area.expectedLine() + 1) * BLOCKS_PER_LINE <= area.nextRoom
    );
  }

  /** What row() does after it wrote a whole row, summed up in `figures`, where it was due. */
  private placedNext(snap: PendingSnapshot, area: AreaBuilder, line: number, figures: PieceFigures): void {
    const end = (line + 1) * BLOCKS_PER_LINE;
    area.counted(end - BLOCKS_PER_LINE, figures);
    area.lastOffset = relativeOffset(area, area.nextOffset, area.offsetDigits as OffsetDigits);
    area.lastLine = line;
    area.freeAfterLast = 0;
    area.rows++;
    if (end > area.extent) area.extent = end;
    area.openRow = null;
    area.expectNext(snap.step, area.nextRoom);
    this.checkFull(snap);
  }

  /** A fragment of the previous row, moved to its own line by a read boundary. */
  private continuation(snap: PendingSnapshot, area: AreaBuilder, src: Uint8Array, to: number): void {
    const open = area.openRow as { line: number; length: number };
    const room = BLOCKS_PER_LINE - open.length;
    const take = Math.min(room, to);
    if (to > room) this.warn(`map row fragment too long by ${to - room} blocks; extra ignored`);
    const start = open.line * BLOCKS_PER_LINE + open.length;
    area.ensure(start + take);
    for (let i = 0; i < take; i++) area.map[start + i] = MAP_BYTE[src[i]];
    area.written(start, take);
    open.length += take;
    if (start + take > area.extent) area.extent = start + take;
    if (open.length >= BLOCKS_PER_LINE) area.openRow = null;
    this.checkFull(snap);
  }

  private freeLines(snap: PendingSnapshot, area: AreaBuilder, lines: number): void {
    area.openRow = null;
    const room = this.limitBlocks(snap) - snap.blocksBefore;
    const first = area.lastLine + 1;
    if ((first + lines) * BLOCKS_PER_LINE > room) {
      const fits = Math.max(0, Math.floor(room / BLOCKS_PER_LINE) - first);
      this.warn(`(${lines} lines all free) runs past ${this.limitSaid(snap)}; counted ${fits}`);
      snap.damaged = true;
      lines = fits;
    }
    area.freeAfterLast = lines;
    const end = area.expectedLine() * BLOCKS_PER_LINE;
    area.ensure(end);
    if (end > area.extent) area.extent = end;
    area.expectNext(snap.step, room);
    this.checkFull(snap);
  }

  /** A map that covers `GC: total` is finished: emit it now rather than at the next line. */
  private checkFull(snap: PendingSnapshot): void {
    const total = snap.gc?.total ?? null;
    if (total === null || !snap.blocks) return;
    const bs = snap.step === null ? this.fallbackBlockSize : snap.step / BLOCKS_PER_LINE;
    if (snap.blocksSeen() * bs >= total) this.close();
  }

  // ── text lines ─────────────────────────────────────────────────────────────────────────

  private text(t: string, raw: RawLine): void {
    const markerAt = t.indexOf('#mpheap ');
    if (markerAt >= 0) {
      const marker = parseMarker(t.slice(markerAt).trimEnd());
      if (marker) {
        this.prefixOutput(t, markerAt, '#mpheap ', raw);
        if (this.snap) this.close();
        this.marker = marker;
        return;
      }
    }
    const found = findInfo(t);
    if (!found) {
      const damaged = this.state === 'info' && this.snap ? damagedInfoKind(t) : null;
      if (damaged && this.snap && INFO_RANK[damaged] > this.snap.lastRank) {
        this.damagedLine(this.snap, damaged, t.trim(), raw.cut);
        return;
      }
      if (this.snap) this.close();
      this.output(raw);
      return;
    }
    const body = t.slice(found.at);
    const parsed = parseInfo(found.kind, body.trimEnd());
    const expectedNext =
      this.state === 'info' &&
      this.snap !== null &&
      INFO_RANK[found.kind] > this.snap.lastRank &&
      this.snap.lastRank < INFO_RANK.blocks;
    if (!parsed && !expectedNext) {
      // `stack: ` in a sentence is program output unless a mem_info block is being read.
      if (this.snap) this.close();
      this.output(raw);
      return;
    }
    this.prefixOutput(t, found.at, body.slice(0, 8), raw);
    const rank = INFO_RANK[found.kind];

    let snap = this.snap;
    if (snap && found.kind === 'layout') {
      // A new area of the same dump (v1.20+ prints a header per area).
    } else if (snap && this.state === 'info' && body.trim() === snap.lastText) {
      this.warn(`repeated line dropped: '${shorten(body)}'`);
      return;
    } else if (snap && (this.state === 'dump' || rank <= snap.lastRank)) {
      this.close();
      snap = null;
    }
    if (!snap) {
      snap = new PendingSnapshot(this.marker, this.outputSince);
      this.marker = null;
      this.outputSince = '';
      this.snap = snap;
      this.state = 'info';
    }
    snap.lastRank = rank;
    snap.lastText = body.trim();
    if (found.kind !== 'layout') snap.sawHeader = true;
    if (!parsed) {
      this.damagedLine(snap, found.kind, body, raw.cut);
      return;
    }
    this.apply(snap, parsed);
  }

  /**
   * A header line that could not be read. A `GC:` line damaged in transfer leaves its figures
   * unknown (null, never 0); one cut by the end of the input is simply not there.
   */
  private damagedLine(snap: PendingSnapshot, kind: InfoKind, body: string, cut: boolean): void {
    snap.damaged = true;
    snap.sawHeader = true;
    snap.lastRank = INFO_RANK[kind];
    snap.lastText = body;
    this.warn(`damaged ${kind} line: '${shorten(body)}'`);
    if (kind === 'gc' && !cut) snap.gc = { total: null, used: null, free: null, maxNewSplit: null };
    if (kind === 'layout') this.startArea(snap, '?');
  }

  private apply(snap: PendingSnapshot, line: InfoLine): void {
    switch (line.kind) {
      case 'mem':
        snap.mem = { total: line.total, current: line.current, peak: line.peak };
        break;
      case 'stack':
        snap.stack = { used: line.used, limit: line.limit };
        break;
      case 'gc':
        snap.gc = { total: line.total, used: line.used, free: line.free, maxNewSplit: line.maxNewSplit };
        this.largestClaim = Math.max(this.largestClaim, Math.ceil(line.total / SMALLEST_BLOCK));
        break;
      case 'blocks':
        snap.blocks = { one: line.one, two: line.two, maxBlock: line.maxBlock, maxFree: line.maxFree };
        break;
      case 'layout':
        this.startArea(snap, line.base ?? '?');
        break;
    }
  }

  private startArea(snap: PendingSnapshot, base: string): void {
    if (snap.current) snap.current.openRow = null;
    const area = new AreaBuilder(base);
    snap.blocksBefore = snap.blocksSeen();
    snap.areas.push(area);
    snap.current = area;
    snap.unknownSection = null;
    this.state = 'dump';
  }

  /** A line cut by the end of input while reading a map: note if it was cut mid-row. */
  private markCut(clean: Uint8Array): void {
    const snap = this.snap;
    if (!snap || clean.length === 0) return;
    const t = asciiString(clean);
    if (ROW_START.test(t) || (snap.current?.openRow && MAP_BYTE[clean[0]] !== 0)) {
      snap.truncatedMidLine = true;
    }
  }

  // ── output ─────────────────────────────────────────────────────────────────────────────

  private output(raw: RawLine): void {
    const from = raw.from + raw.skip;
    if (from >= raw.to) return;
    if (raw.whole !== null) this.emitText(raw.skip === 0 ? raw.whole : raw.whole.slice(raw.skip));
    else this.emitText(this.utf8.decode(raw.buf.subarray(from, raw.to)));
  }

  /** Text before a keyword on the same line (a prompt, `>OK`, output without a newline). */
  private prefixOutput(t: string, at: number, keyword: string, raw: RawLine): void {
    // ` No. of 1-blocks` starts with a space: indentation alone is not output.
    if (t.slice(0, at).trim() === '') return;
    if (raw.plain) {
      const from = raw.from + raw.skip;
      const to = raw.from + at;
      if (to > from) {
        this.emitText(
          raw.whole !== null ? raw.whole.slice(raw.skip, at) : this.utf8.decode(raw.buf.subarray(from, to)),
        );
      }
      return;
    }
    // With escapes removed, positions differ from the raw bytes: find the keyword there.
    const rawText = asciiString(raw.buf, raw.from, raw.end);
    const k = rawText.indexOf(keyword);
    if (k > raw.skip) this.emitText(this.utf8.decode(raw.buf.subarray(raw.from + raw.skip, raw.from + k)));
    else if (k < 0 && raw.skip === 0) this.emitText(t.slice(0, at));
  }

  private emitText(text: string): void {
    if (text === '') return;
    this.pendingOutput += text;
    this.outputSince += text;
    if (this.outputSince.length > 2 * OUTPUT_BEFORE_LIMIT) {
      this.outputSince = this.outputSince.slice(-OUTPUT_BEFORE_LIMIT);
    }
  }

  private flushOutput(): void {
    if (this.pendingOutput === '') return;
    const text = this.pendingOutput;
    this.pendingOutput = '';
    this.opts.onOutput?.(text);
  }

  /**
   * After each chunk: pass a waiting prompt on as output (a live monitor should show `>>> `
   * before the user presses Enter), and finish a snapshot as soon as the line still arriving
   * cannot, however it ends, continue it. Each byte of the partial line is looked at once.
   */
  private afterFeed(): void {
    if (this.carryLen > 0) {
      this.partial.update(this.carry, this.carryLen);
      const lead = this.partial.head(80).trimStart();
      const snap = this.snap;
      if (snap && lead !== '') {
        if (this.state === 'info' && snap.lastRank === INFO_RANK.blocks && !continuesHeader(lead, snap)) {
          this.close();
        } else if (this.state === 'dump' && lead.startsWith('>')) {
          // A prompt: no map line starts with '>' (the whole line would end the map as well).
          this.close();
        }
      }
      if (
        this.state === 'idle' &&
        /(>>> |\.\.\. |>)$/.test(this.partial.tail(4)) &&
        !this.partial.hasKeyword
      ) {
        const from = this.carryEmitted;
        if (from < this.carryLen) {
          this.emitText(this.utf8.decode(this.carry.subarray(from, this.carryLen)));
          this.carryEmitted = this.carryLen;
        }
      }
    }
    this.flushOutput();
  }

  // ── snapshots ──────────────────────────────────────────────────────────────────────────

  private warn(message: string): void {
    const w: DecodeWarning = { message, line: this.lineNo, offset: this.lineOffset };
    this.snap?.warnings.push(`line ${w.line}: ${message}`);
    this.opts.onWarning?.(w);
  }

  /** Finishes the snapshot being read and emits it. */
  private close(): void {
    const snap = this.snap;
    if (!snap) return;
    this.snap = null;
    this.state = 'idle';
    this.flushOutput();
    this.opts.onSnapshot(this.build(snap));
  }

  private build(p: PendingSnapshot): HeapSnapshot {
    const maps = p.areas.map((a) => a.finalMap());
    let seen = maps.reduce((n, m) => n + m.length, 0);
    const { blockSize, blockSizeKnown } = this.blockSizeOf(p, seen);
    const warnings = p.warnings;
    const headerBlocks = p.gc?.total != null ? Math.floor(p.gc.total / blockSize) : null;
    if (headerBlocks !== null && seen > headerBlocks) {
      // Damaged offsets or counts stretched the map past the heap its header describes (the
      // bound while rows placed it allowed up to 8-byte blocks): the heap is what GC total says.
      warnings.push(
        `map holds ${seen} blocks but GC total is ${headerBlocks} blocks; cut to ${headerBlocks}`,
      );
      p.damaged = true;
      let room = headerBlocks;
      for (let i = 0; i < maps.length; i++) {
        if (maps[i].length > room) maps[i] = maps[i].slice(0, room);
        room -= maps[i].length;
      }
      seen = headerBlocks;
    }
    const hasDump = p.areas.length > 0;
    let complete = !p.damaged && !p.truncatedMidLine;
    if (p.unplacedRows > 0) {
      complete = false;
      warnings.push(
        `${p.unplacedRows} map row${p.unplacedRows === 1 ? '' : 's'} under the section header '${shorten(p.unknownSection ?? '')}', which mpheap does not know, could not be placed`,
      );
    }
    // A bare gc_dump_alloc_table() has no header: whole as printed. Missing or damaged header
    // lines make a snapshot incomplete, but its map is not "cut short" for that.
    if ((p.gc === null || p.blocks === null) && (p.sawHeader || !hasDump)) {
      complete = false;
      if (!p.damaged)
        warnings.push(hasDump ? 'mem_info lines missing before the map' : 'mem_info output cut short');
    }
    const total = p.gc?.total ?? null;
    if (hasDump && total !== null) {
      const expected = total / blockSize;
      if (seen < expected) {
        complete = false;
        warnings.push(
          `map cut short: ${seen} of ${expected} blocks seen${p.truncatedMidLine ? ' (cut inside a row)' : ''}`,
        );
      }
    } else if (hasDump && p.truncatedMidLine) {
      warnings.push('map cut short inside a row');
    }
    if (complete && hasDump && p.gc && p.blocks) {
      this.check(p.gc, p.blocks, figuresOfAreas(p.areas, maps, blockSize), warnings);
    }
    const areas: HeapArea[] = p.areas.map((a, i) => ({
      base: a.base,
      offsetDigits: a.offsetDigits,
      map: maps[i],
    }));
    const marker = p.marker;
    const now = this.opts.now === undefined ? Date.now : this.opts.now;
    const snapshot = emptySnapshot({
      seq: this.seq++,
      time: now ? now() : null,
      source: this.opts.source,
      label: marker ? markerLabel(marker) : null,
      trigger: (marker ? marker.trigger : 'mem_info') as SnapshotTrigger,
      outputBefore: p.outputBefore.slice(-OUTPUT_BEFORE_LIMIT),
      warnings,
    });
    return {
      ...snapshot,
      complete,
      blockSize,
      blockSizeKnown,
      stack: p.stack,
      gc: p.gc,
      blocks: p.blocks,
      mem: p.mem,
      areas,
    };
  }

  /**
   * Bytes per block, from what shows it best: the row offsets, else GC total over the blocks
   * seen, else the caller (--word, the engine), else the header's figures; failing all of
   * those, 16 is assumed and said to be unknown.
   */
  private blockSizeOf(p: PendingSnapshot, seen: number): { blockSize: number; blockSizeKnown: boolean } {
    if (p.step !== null) return { blockSize: p.step / BLOCKS_PER_LINE, blockSizeKnown: true };
    const total = p.gc?.total ?? null;
    const guess = total !== null && seen > 0 ? total / seen : 0;
    if ([8, 16, 32, 64].includes(guess)) return { blockSize: guess, blockSizeKnown: true };
    if (this.opts.blockSize !== undefined) return { blockSize: this.opts.blockSize, blockSizeKnown: true };
    const fromHeader = blockSizeOfHeader(p.gc, p.blocks);
    if (fromHeader !== null) return { blockSize: fromHeader, blockSizeKnown: true };
    return { blockSize: this.fallbackBlockSize, blockSizeKnown: false };
  }

  /** The decoder checks itself: the header figures against what the map shows. */
  private check(gc: GcFigures, blocks: BlockFigures, info: GcInfoFigures, warnings: string[]): void {
    const pairs: Array<[string, number | null, number]> = [
      ['GC total', gc.total, info.total],
      ['GC used', gc.used, info.used],
      ['GC free', gc.free, info.free],
      ['1-blocks', blocks.one, info.oneBlocks],
      ['2-blocks', blocks.two, info.twoBlocks],
      ['max blk sz', blocks.maxBlock, info.maxBlock],
      ['max free sz', blocks.maxFree, info.maxFree],
    ];
    for (const [name, printed, counted] of pairs) {
      if (printed !== null && printed !== counted) {
        warnings.push(`${name} is ${printed} in the header but ${counted} in the map`);
      }
    }
  }
}

interface RawLine {
  buf: Uint8Array;
  /** Line start, end of content (no terminator), end with terminator. */
  from: number;
  end: number;
  to: number;
  plain: boolean;
  /** Bytes at the start already passed on as output. */
  skip: number;
  /** The input ended inside this line. */
  cut: boolean;
  /** buf[from, to) as text when it is plain ASCII, decoded once for matching and output. */
  whole: string | null;
}

/**
 * After ` No. of 1-blocks:`, a line continues the same mem_info only if it is the map (its
 * `GC memory layout` header or, the header lost, a row), another `GC ...:` section, or the
 * same line again. Decided from the line's start, so it gives the same answer on any part of
 * the line that has arrived as on the whole line.
 */
function continuesHeader(lead: string, snap: PendingSnapshot): boolean {
  for (const c of ['GC ', snap.lastText]) {
    if (c !== '' && (lead.startsWith(c) || c.startsWith(lead))) return true;
  }
  return /^[0-9a-fA-F]{1,8}(?::|$)/.test(lead);
}

/**
 * gc_info() of the finished maps: from the figures built while the rows were placed, or, for an
 * area whose rows did not arrive in order, read from its map.
 */
function figuresOfAreas(
  areas: readonly AreaBuilder[],
  maps: readonly Uint8Array[],
  blockSize: number,
): GcInfoFigures {
  const counts = areas.map((area, i): GcInfoCounts => {
    const f = area.figures;
    if (f !== null && maps[i].length >= f.blocks) return f.figures(maps[i].length - f.blocks);
    const g = gcInfoOfMaps([maps[i]], 1);
    return { ...g, blocks: g.total };
  });
  return joinAreaFigures(counts, blockSize);
}

/**
 * The same bytes as a plain Uint8Array: a subclass's subarray (Node's Buffer, as streams give
 * it) builds its own kind of object, several times slower, and lines take one or two each.
 */
function plainBytes(chunk: Uint8Array): Uint8Array {
  return chunk.constructor === Uint8Array
    ? chunk
    : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function indexOfByte(buf: Uint8Array, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (buf[i] === byte) return i;
  return -1;
}

/** The largest index ≤ p (and ≥ lo) that does not split a UTF-8 character. */
function charBoundary(buf: Uint8Array, p: number, lo: number): number {
  let i = Math.max(lo, p);
  while (i > lo && (buf[i] & 0xc0) === 0x80) i--;
  return i;
}

function markerLabel(m: SnapshotMarker): string | null {
  if (m.trigger === 'memory_error') {
    return m.requested === null ? 'MemoryError' : `MemoryError allocating ${m.requested} bytes`;
  }
  return m.label;
}

function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function createDecoder(opts: DecoderOptions): StreamDecoder {
  return new MemInfoDecoder(opts);
}

/**
 * Decodes a whole text (or byte buffer) at once. Its snapshots have no time unless `opts.now`
 * gives one: decoding is not when they were captured.
 */
export function decodeText(
  text: string | Uint8Array,
  source = 'text',
  opts: Partial<DecoderOptions> = {},
): DecodeResult {
  const snapshots: HeapSnapshot[] = [];
  const warnings: DecodeWarning[] = [];
  let output = '';
  const d = createDecoder({
    now: null,
    ...opts,
    source,
    onSnapshot: (s) => snapshots.push(s),
    onOutput: (t) => {
      output += t;
    },
    onWarning: (w) => warnings.push(w),
  });
  d.feed(text);
  d.end();
  return { snapshots, output, warnings };
}
