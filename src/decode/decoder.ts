/**
 * The streaming `mem_info` decoder (contract in ./api.ts).
 *
 * Bytes arrive in any chunks; complete lines are handled one at a time by a small state machine:
 *
 *   idle  ──mem:/stack:/GC: line──►  info  ──GC memory layout──►  dump  ──map covers GC total──► idle
 *     ▲                               │ other line: snapshot without a map     │ other line: cut short
 *     └───────────────────────────────┴─────────────────────────────────────────┘
 *
 * Rows (the bulk of any log) take a byte-level fast path; everything else is cleaned of escape
 * sequences and control bytes and matched as text. A snapshot is emitted the moment its map
 * covers `GC: total`, or when something else clearly starts, or at end(); one cut short is kept
 * and marked incomplete.
 */
import { gcInfoOfMaps } from '../heap/block-map.js';
import type { HeapArea, HeapSnapshot, SnapshotTrigger } from '../snapshot/snapshot.js';
import { emptySnapshot } from '../snapshot/snapshot.js';
import type { DecodeResult, DecoderOptions, DecodeWarning, StreamDecoder } from './api.js';
import { asciiString, cleanBytes, isPlainAscii } from './clean.js';
import { AreaBuilder, BLOCKS_PER_LINE, hex, MAP_BYTE, placeRow } from './dump-builder.js';
import { FREE_LINES, findInfo, INFO_RANK, type InfoLine, parseInfo } from './info-lines.js';
import { parseMarker, type SnapshotMarker } from './markers.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
/** How much program output a snapshot keeps in `outputBefore`. */
const OUTPUT_BEFORE_LIMIT = 16 * 1024;
/** Upper bound for sizing a map from a header figure (which may be garbled): 64 Mi blocks. */
const MAX_PREALLOCATED_BLOCKS = 64 * 1024 * 1024;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

type State = 'idle' | 'info' | 'dump';

/** Everything gathered for the snapshot being read. */
class PendingSnapshot {
  stack: HeapSnapshot['stack'] = null;
  gc: HeapSnapshot['gc'] = null;
  blocks: { one: number; two: number; maxBlock: number; maxFree: number | null } | null = null;
  mem: HeapSnapshot['mem'] = null;
  areas: AreaBuilder[] = [];
  /** Bytes per map line (64 × block size) once the rows have shown it. */
  step: number | null = null;
  warnings: string[] = [];
  lastRank = -1;
  lastText = '';
  truncatedMidLine = false;
  damaged = false;

  constructor(
    readonly marker: SnapshotMarker | null,
    readonly outputBefore: string,
  ) {}

  area(): AreaBuilder | null {
    return this.areas.length === 0 ? null : this.areas[this.areas.length - 1];
  }

  blocksSeen(): number {
    let n = 0;
    for (const a of this.areas) n += a.extent;
    return n;
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
  private lineNo = 1;
  /** Byte offset in the input of the line being handled. */
  private lineOffset = 0;
  private pendingOutput = '';
  private outputSince = '';
  private readonly utf8 = new TextDecoder('utf-8');
  private readonly encoder = new TextEncoder();
  private readonly fallbackBlockSize: number;
  private ended = false;

  constructor(private readonly opts: DecoderOptions) {
    this.fallbackBlockSize = opts.blockSize ?? 16;
  }

  feed(chunk: Uint8Array | string): void {
    if (this.ended) return;
    const bytes = typeof chunk === 'string' ? this.encoder.encode(chunk) : chunk;
    let pos = 0;
    if (this.carryLen > 0) {
      const nl = bytes.indexOf(LF);
      if (nl < 0) {
        this.appendCarry(bytes, 0, bytes.length);
        this.afterFeed();
        return;
      }
      this.appendCarry(bytes, 0, nl + 1);
      this.line(this.carry, 0, this.carryLen);
      this.carryLen = 0;
      this.carryEmitted = 0;
      pos = nl + 1;
    }
    for (;;) {
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
      this.carryEmitted = 0;
    }
    if (this.snap) this.close();
    this.flushOutput();
    this.ended = true;
  }

  // ── lines ──────────────────────────────────────────────────────────────────────────────

  private appendCarry(bytes: Uint8Array, from: number, to: number): void {
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
  }

  /** One line [from, to) including its terminator (none when `last`). */
  private line(buf: Uint8Array, from: number, to: number, last = false): void {
    let end = to;
    if (end > from && buf[end - 1] === LF) end--;
    while (end > from && buf[end - 1] === CR) end--;
    const skip = this.carryEmitted;
    if (!(this.state === 'dump' && this.fastRow(buf, from, end))) {
      const plain = isPlainAscii(buf, from, end);
      const clean = plain ? buf.subarray(from, end) : cleanBytes(buf, from, end);
      if (last && this.state === 'dump') this.markCut(clean);
      this.handle(clean, { buf, from, to, end, plain, skip });
    }
    this.lineOffset += to - from;
    this.lineNo++;
  }

  /** Rows of clean ASCII (the bulk of every dump) go straight into the map. */
  private fastRow(buf: Uint8Array, from: number, end: number): boolean {
    const snap = this.snap;
    const area = snap?.area();
    if (!snap || !area) return false;
    let i = from;
    let offset = 0;
    while (i < end && HEX[buf[i]] >= 0 && i - from < 8) offset = offset * 16 + HEX[buf[i++]];
    const digits = i - from;
    if ((digits !== 5 && digits !== 8) || i >= end || buf[i] !== COLON) return false;
    i++;
    if (i < end && buf[i] === SPACE) i++;
    // Every remaining byte must be a map character as printed today, else the careful path
    // (escapes, garbage, the old tail `t`, text glued after the row) handles the line.
    for (let j = i; j < end; j++) {
      const c = buf[j];
      if (MAP_BYTE[c] !== c) return false;
    }
    this.row(snap, area, offset, digits as 5 | 8, buf, i, end, true);
    return true;
  }

  private handle(clean: Uint8Array, raw: RawLine): void {
    if (this.state === 'dump' && this.dumpLine(clean, raw)) return;
    this.text(asciiString(clean), raw);
  }

  /** A line while reading a map; false when it is not part of the map. */
  private dumpLine(clean: Uint8Array, raw: RawLine): boolean {
    const snap = this.snap as PendingSnapshot;
    const area = snap.area();
    const n = clean.length;
    if (n === 0) return true; // blank lines inside a dump (a logger's doubled newline) mean nothing
    if (area) {
      let i = 0;
      let offset = 0;
      while (i < n && HEX[clean[i]] >= 0 && i < 8) offset = offset * 16 + HEX[clean[i++]];
      if ((i === 5 || i === 8) && i < n && clean[i] === COLON) {
        let j = i + 1;
        if (j < n && clean[j] === SPACE) j++;
        let k = j;
        while (k < n && MAP_BYTE[clean[k]] !== 0) k++;
        this.row(snap, area, offset, i as 5 | 8, clean, j, k);
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
    }
    const text = asciiString(clean);
    const free = FREE_LINES.exec(text);
    if (free && area) {
      this.freeLines(snap, area, Number(free[1]));
      return true;
    }
    return false;
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
    this.text(text, { ...raw, plain: false, skip: 0 });
  }

  // ── map rows ───────────────────────────────────────────────────────────────────────────

  private row(
    snap: PendingSnapshot,
    area: AreaBuilder,
    offset: number,
    digits: 5 | 8,
    src: Uint8Array,
    from: number,
    to: number,
    verbatim = false,
  ): void {
    if (area.offsetDigits === null) area.offsetDigits = digits;
    const placed = placeRow(area, offset, digits, snap.step, this.fallbackBlockSize * BLOCKS_PER_LINE);
    if (placed.inferredStep !== undefined) snap.step = placed.inferredStep;
    if (placed.warning) this.warn(placed.warning);
    let length = to - from;
    if (length > BLOCKS_PER_LINE) {
      this.warn(`map row ${hex(offset, digits)} has ${length} blocks; kept the first ${BLOCKS_PER_LINE}`);
      length = BLOCKS_PER_LINE;
    }
    const start = placed.line * BLOCKS_PER_LINE;
    if (area.rows === 0 && snap.gc) {
      // Size the map once from GC total rather than doubling it row by row.
      const bs = snap.step === null ? this.fallbackBlockSize : snap.step / BLOCKS_PER_LINE;
      const hint = Math.floor(snap.gc.total / bs) - (snap.blocksSeen() - area.extent);
      if (hint > 0) area.ensure(Math.min(hint, MAX_PREALLOCATED_BLOCKS), true);
    }
    area.ensure(start + length);
    const map = area.map;
    if (verbatim) map.set(src.subarray(from, from + length), start);
    else for (let i = 0; i < length; i++) map[start + i] = MAP_BYTE[src[from + i]];
    if (placed.line <= area.lastLine) {
      this.warn(`map row ${hex(offset, digits)} arrived again; kept the later copy`);
    } else {
      const expected = area.expectedLine();
      if (placed.line > expected && area.rows > 0) {
        this.warn(`map rows missing before ${hex(offset, digits)}; counted as free`);
      }
      area.lastLine = placed.line;
      area.lastOffset = offset;
      area.freeAfterLast = 0;
    }
    area.rows++;
    if (start + length > area.extent) area.extent = start + length;
    area.openRow = length < BLOCKS_PER_LINE ? { line: placed.line, length } : null;
    this.checkFull(snap);
  }

  /** A fragment of the previous row, moved to its own line by a read boundary. */
  private continuation(snap: PendingSnapshot, area: AreaBuilder, src: Uint8Array, to: number): void {
    const open = area.openRow as { line: number; length: number };
    const room = BLOCKS_PER_LINE - open.length;
    const take = Math.min(room, to);
    if (to > room) this.warn(`map row fragment too long by ${to - room} blocks; extra ignored`);
    const start = open.line * BLOCKS_PER_LINE + open.length;
    for (let i = 0; i < take; i++) area.map[start + i] = MAP_BYTE[src[i]];
    open.length += take;
    if (start + take > area.extent) area.extent = start + take;
    if (open.length >= BLOCKS_PER_LINE) area.openRow = null;
    this.checkFull(snap);
  }

  private freeLines(snap: PendingSnapshot, area: AreaBuilder, lines: number): void {
    area.openRow = null;
    area.freeAfterLast = lines;
    const end = area.expectedLine() * BLOCKS_PER_LINE;
    area.ensure(end);
    if (end > area.extent) area.extent = end;
    this.checkFull(snap);
  }

  /** A map that covers `GC: total` is finished: emit it now rather than at the next line. */
  private checkFull(snap: PendingSnapshot): void {
    if (!snap.gc || !snap.blocks) return;
    const bs = snap.step === null ? this.fallbackBlockSize : snap.step / BLOCKS_PER_LINE;
    if (snap.blocksSeen() * bs >= snap.gc.total) this.close();
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
    } else if (snap && this.state === 'info' && body === snap.lastText) {
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
    snap.lastText = body;
    if (!parsed) {
      snap.damaged = true;
      this.warn(`damaged ${found.kind} line: '${shorten(body)}'`);
      if (found.kind === 'layout') this.startArea(snap, '?');
      return;
    }
    this.apply(snap, parsed);
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
        break;
      case 'blocks':
        snap.blocks = { one: line.one, two: line.two, maxBlock: line.maxBlock, maxFree: line.maxFree };
        break;
      case 'layout':
        this.startArea(snap, line.base);
        break;
    }
  }

  private startArea(snap: PendingSnapshot, base: string): void {
    const prev = snap.area();
    if (prev) prev.openRow = null;
    snap.areas.push(new AreaBuilder(base));
    this.state = 'dump';
  }

  /** A line cut by the end of input while reading a map: note if it was cut mid-row. */
  private markCut(clean: Uint8Array): void {
    const snap = this.snap;
    if (!snap || clean.length === 0) return;
    const t = asciiString(clean);
    if (/^[0-9a-fA-F]{5,8}:/.test(t) || (snap.area()?.openRow && MAP_BYTE[clean[0]] !== 0)) {
      snap.truncatedMidLine = true;
    }
  }

  // ── output ─────────────────────────────────────────────────────────────────────────────

  private output(raw: RawLine): void {
    const from = raw.from + raw.skip;
    if (from >= raw.to) return;
    this.emitText(this.utf8.decode(raw.buf.subarray(from, raw.to)));
  }

  /** Text before a keyword on the same line (a prompt, `>OK`, output without a newline). */
  private prefixOutput(t: string, at: number, keyword: string, raw: RawLine): void {
    // ` No. of 1-blocks` starts with a space: indentation alone is not output.
    if (t.slice(0, at).trim() === '') return;
    if (raw.plain) {
      const from = raw.from + raw.skip;
      const to = raw.from + at;
      if (to > from) this.emitText(this.utf8.decode(raw.buf.subarray(from, to)));
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
   * before the user presses Enter), and finish a snapshot without a map as soon as the next
   * line clearly is not `GC memory layout`.
   */
  private afterFeed(): void {
    if (this.carryLen > 0) {
      const clean = cleanBytes(this.carry, 0, this.carryLen);
      const t = asciiString(clean);
      if (this.state === 'info' && this.snap && this.snap.lastRank === INFO_RANK.blocks && t !== '') {
        const header = 'GC memory layout; from ';
        if (!(t.startsWith(header) || header.startsWith(t))) this.close();
      }
      if (this.state === 'idle' && /(>>> |\.\.\. |>)$/.test(t) && findInfo(t) === null) {
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
    const seen = maps.reduce((n, m) => n + m.length, 0);
    let blockSize = p.step === null ? null : p.step / BLOCKS_PER_LINE;
    if (blockSize === null) {
      const guess = p.gc && seen > 0 ? p.gc.total / seen : 0;
      blockSize = [8, 16, 32, 64].includes(guess) ? guess : this.fallbackBlockSize;
    }
    const warnings = p.warnings;
    const hasDump = p.areas.length > 0;
    let complete = p.gc !== null && p.blocks !== null && !p.damaged;
    if (p.gc === null || p.blocks === null) {
      warnings.push(hasDump ? 'mem_info lines missing before the map' : 'mem_info output cut short');
    }
    if (hasDump && p.gc) {
      const expected = p.gc.total / blockSize;
      if (seen < expected) {
        complete = false;
        warnings.push(
          `map cut short: ${seen} of ${expected} blocks seen${p.truncatedMidLine ? ' (cut inside a row)' : ''}`,
        );
      } else if (seen > expected) {
        warnings.push(`map holds ${seen} blocks but GC total is ${expected} blocks`);
      }
    }
    const info = hasDump ? gcInfoOfMaps(maps, blockSize) : null;
    const blocks = p.blocks
      ? {
          one: p.blocks.one,
          two: p.blocks.two,
          maxBlock: p.blocks.maxBlock,
          maxFree: p.blocks.maxFree ?? info?.maxFree ?? 0,
        }
      : null;
    if (complete && info && p.gc && blocks) this.check(p.gc, blocks, info, warnings);
    const areas: HeapArea[] = p.areas.map((a, i) => ({
      base: a.base,
      offsetDigits: a.offsetDigits,
      map: maps[i],
    }));
    const marker = p.marker;
    const snapshot = emptySnapshot({
      seq: this.seq++,
      time: (this.opts.now ?? Date.now)(),
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
      stack: p.stack,
      gc: p.gc,
      blocks,
      mem: p.mem,
      areas,
    };
  }

  /** The decoder checks itself: the header figures against what the map shows. */
  private check(
    gc: NonNullable<HeapSnapshot['gc']>,
    blocks: NonNullable<HeapSnapshot['blocks']>,
    info: ReturnType<typeof gcInfoOfMaps>,
    warnings: string[],
  ): void {
    const pairs: Array<[string, number, number]> = [
      ['GC total', gc.total, info.total],
      ['GC used', gc.used, info.used],
      ['GC free', gc.free, info.free],
      ['1-blocks', blocks.one, info.oneBlocks],
      ['2-blocks', blocks.two, info.twoBlocks],
      ['max blk sz', blocks.maxBlock, info.maxBlock],
      ['max free sz', blocks.maxFree, info.maxFree],
    ];
    for (const [name, printed, counted] of pairs) {
      if (printed !== counted) warnings.push(`${name} is ${printed} in the header but ${counted} in the map`);
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

/** Decodes a whole text (or byte buffer) at once. */
export function decodeText(
  text: string | Uint8Array,
  source = 'text',
  opts: Partial<DecoderOptions> = {},
): DecodeResult {
  const snapshots: HeapSnapshot[] = [];
  const warnings: DecodeWarning[] = [];
  let output = '';
  const d = createDecoder({
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
