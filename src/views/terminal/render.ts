/**
 * One snapshot drawn for a terminal: the heap map in colour, a legend in words, the figures and
 * a one-line verdict. `run` and `monitor` reuse `renderSnapshot` to show their snapshots.
 */
import pc from 'picocolors';
import { type HeapFigures, heapFigures } from '../../analysis/figures.js';
import {
  heapVerdict,
  incompleteWhy,
  type SnapshotFigures,
  type Verdict,
  type VerdictContext,
} from '../../analysis/verdict.js';
import { CH_FREE } from '../../heap/block-map.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { bytesText, formatBytes } from '../../util/size.js';
import { escapeControls, wrapText } from '../../util/text.js';
import { PALETTE } from '../palette.js';
import { LEGEND } from './legend.js';

type Colors = ReturnType<typeof pc.createColors>;
type Paint = (s: string) => string;

export interface TerminalOptions {
  /** Colour on or off (callers decide from --no-color, NO_COLOR and the TTY). */
  color: boolean;
  /** Blocks per map row (gc.c prints 64). */
  width?: number;
  /** Print the legend (default true); 'short': one wrapped line naming the characters in the map. */
  legend?: boolean | 'short';
  /**
   * The terminal's width: wide lines (legend, figures, verdict) are wrapped to it. Null or left
   * out: lines stay whole (output to a file or a pipe).
   */
  columns?: number | null;
  /** Print the map (default true); false gives figures and verdict only. */
  map?: boolean;
  /**
   * False when the caller knows the heap cannot grow although the firmware prints
   * `max new split` (the built-in engine under --fixed): the "can grow" line is then left out.
   */
  heapCanGrow?: boolean;
  /** The MemoryError this snapshot was taken at (its verdict is then about it). */
  memoryError?: VerdictContext['memoryError'];
}

/**
 * One paint function per map character, from the shared palette (src/views/palette.ts) so the
 * terminal and the web pages colour a type the same way.
 */
function palette(c: Colors): Record<string, Paint> {
  const paint: Record<string, Paint> = {};
  for (const e of PALETTE) {
    const fg = c[e.ansi];
    const bg = e.ansiBackground ? c[e.ansiBackground] : undefined;
    paint[e.char] = bg ? (s) => bg(fg(s)) : fg;
  }
  return paint;
}

export function renderSnapshot(s: HeapSnapshot, opts: TerminalOptions): string {
  const c = pc.createColors(opts.color);
  const paint = palette(c);
  const lines: string[] = [];
  lines.push(c.bold(snapshotTitle(s)));
  const f = s.areas.length > 0 ? heapFigures(s) : null;
  if (opts.map !== false && s.areas.length > 0) {
    lines.push('');
    lines.push(...renderMap(s, opts.width ?? 64, paint, c));
  }
  const columns = opts.columns ?? null;
  // Wrapped to the terminal, continuation lines indented by `hang`; whole when not on one.
  const wrap = (line: string, hang?: number) => (columns === null ? line : wrapText(line, columns, hang));
  if (opts.legend === 'short' && s.areas.length > 0) {
    lines.push(...renderShortLegend(s, paint, c, columns ?? 80));
  } else if (opts.legend !== false && s.areas.length > 0) {
    lines.push('');
    lines.push(...renderLegend(s, f as HeapFigures, paint, c).map((l) => wrap(l, 22)));
  }
  const v = verdictOf(s, opts, f);
  lines.push('');
  lines.push(...renderFigures(s, f, v.figures, c).map((l) => wrap(l, 11)));
  // Warnings and the title carry text from the capture: control bytes are escaped.
  for (const w of s.warnings) lines.push(wrap(c.yellow(`warning: ${escapeControls(w)}`), 9));
  lines.push('');
  lines.push(wrap(c.bold(v.text)));
  for (const n of v.notes) lines.push(wrap(c.dim(`  (${n})`)));
  return `${lines.join('\n')}\n`;
}

/** `legend: . free  = more of the object  B function (not bytes)  h other (…)`: the characters in the map. */
function renderShortLegend(
  s: HeapSnapshot,
  paint: Record<string, Paint>,
  c: Colors,
  width: number,
): string[] {
  const present = new Set<number>([CH_FREE, '='.charCodeAt(0)]);
  for (const area of s.areas) for (const ch of area.map) present.add(ch);
  const entries = LEGEND.filter((e) => present.has(e.char.charCodeAt(0)));
  // Packed entry by entry, so that no entry is split between two lines.
  const lines: string[] = [];
  let line = c.dim('legend:');
  let lineWidth = 'legend:'.length;
  for (const e of entries) {
    const text = `${e.char} ${e.short}`;
    if (lineWidth > 8 && lineWidth + 2 + text.length > width) {
      lines.push(line);
      line = ' '.repeat(7);
      lineWidth = 7;
    }
    line += `${lineWidth > 7 ? '  ' : ' '}${paint[e.char](e.char)} ${e.short}`;
    lineWidth += (lineWidth > 7 ? 2 : 1) + text.length;
  }
  lines.push(line);
  return lines;
}

function verdictOf(
  s: HeapSnapshot,
  opts: Pick<TerminalOptions, 'heapCanGrow' | 'memoryError'>,
  map: HeapFigures | null,
): Verdict {
  return heapVerdict(s, { heapCanGrow: opts.heapCanGrow, memoryError: opts.memoryError }, map);
}

/** `snapshot #3 'after load' from file:x.log (incomplete: map cut short)`; #N is `seq`, as in --json and --snapshot. */
export function snapshotTitle(s: HeapSnapshot): string {
  const what = s.label
    ? `'${escapeControls(s.label)}'`
    : s.trigger === 'memory_error'
      ? 'after MemoryError'
      : '';
  const parts = [
    `snapshot #${s.seq}`,
    what,
    `from ${escapeControls(s.source)}`,
    s.complete ? '' : `(incomplete: ${incompleteWhy(s)})`,
  ];
  return parts.filter((p) => p !== '').join(' ');
}

function renderMap(s: HeapSnapshot, width: number, paint: Record<string, Paint>, c: Colors): string[] {
  const out: string[] = [];
  const w = Math.max(8, Math.floor(width));
  s.areas.forEach((area, i) => {
    const label = s.areas.length > 1 ? `area ${i + 1} of ${s.areas.length}, ` : '';
    out.push(
      c.dim(
        `${label}from ${escapeControls(area.base)}: ${formatBytes(area.map.length)} blocks of ${s.blockSize} bytes`,
      ),
    );
    const map = area.map;
    // As MicroPython printed them: 8 digits since v1.20, 5 before (wider where the heap is).
    const digits = Math.max(area.offsetDigits === 8 ? 8 : 5, (map.length * s.blockSize).toString(16).length);
    let b = 0;
    while (b < map.length) {
      // Like gc.c, two or more whole free rows are abbreviated.
      let run = b;
      while (run < map.length && map[run] === CH_FREE) run++;
      const rows = Math.floor((run - b) / w);
      if (rows >= 2) {
        out.push(c.gray(`${' '.repeat(digits)}  (${rows} rows all free)`));
        b += rows * w;
        if (b >= map.length) break;
      }
      const end = Math.min(map.length, b + w);
      let row = '';
      let i = b;
      while (i < end) {
        // Paint runs of the same character at once (far fewer escape codes).
        const ch = map[i];
        let j = i + 1;
        while (j < end && map[j] === ch) j++;
        const text = String.fromCharCode(ch).repeat(j - i);
        row += (paint[String.fromCharCode(ch)] ?? c.inverse)(text);
        i = j;
      }
      out.push(`${c.dim((b * s.blockSize).toString(16).padStart(digits, '0'))}: ${row}`);
      b = end;
    }
  });
  return out;
}

function renderLegend(s: HeapSnapshot, f: HeapFigures, paint: Record<string, Paint>, c: Colors): string[] {
  const out = [c.bold('legend')];
  for (const e of LEGEND) {
    const t = f.types[e.char];
    const count =
      e.char === '.'
        ? `${bytesText(f.freeBytes)} in ${formatBytes(f.holes)} holes`
        : e.char === '='
          ? ''
          : t
            ? `${formatBytes(t.count)} ${t.count === 1 ? 'object' : 'objects'}, ${bytesText(t.bytes)}, largest ${formatBytes(t.largestBlocks * s.blockSize)}`
            : '';
    const meaning = e.char === '.' ? `a free block (${s.blockSize} bytes here)` : e.meaning;
    out.push(
      `  ${paint[e.char](e.char)}  ${e.name.padEnd(17)}${meaning}${count ? c.dim(`  [${count}]`) : ''}`,
    );
  }
  return out;
}

function renderFigures(s: HeapSnapshot, f: HeapFigures | null, k: SnapshotFigures, c: Colors): string[] {
  const out: string[] = [];
  const b = (n: number) => `${bytesText(n)}`;
  const n = (v: number | null) => (v === null ? 'unknown' : b(v));
  if (s.stack)
    out.push(
      `stack      ${b(s.stack.used)}${s.stack.limit !== null ? ` of ${formatBytes(s.stack.limit)}` : ''}`,
    );
  if (s.mem)
    out.push(`mem stats  total ${b(s.mem.total)}, current ${b(s.mem.current)}, peak ${b(s.mem.peak)}`);
  const size = s.blockSizeKnown ? `${s.blockSize}` : 'unknown size';
  if (k.totalBytes !== null) {
    const pct =
      k.usedBytes === null || k.totalBytes === 0
        ? ''
        : ` (${((100 * k.usedBytes) / k.totalBytes).toFixed(1)}%)`;
    const from = k.from === 'map' ? ' (counted in the map)' : f ? '' : ' (no map: mem_info() without 1)';
    out.push(`heap       ${b(k.totalBytes)}${from}`);
    out.push(
      `used       ${n(k.usedBytes)}${pct}${f && !k.mapCut ? ` in ${formatBytes(f.objects)} objects` : ''}`,
    );
    out.push(`free       ${n(k.freeBytes)}${k.holes !== null ? ` in ${formatBytes(k.holes)} holes` : ''}`);
  }
  if (k.largestFreeBlocks !== null) {
    const bytes =
      k.largestFreeBytes === null
        ? ''
        : `${k.largestFreeIsLowerBound ? 'at least ' : ''}${b(k.largestFreeBytes)} = `;
    out.push(`largest    ${bytes}${formatBytes(k.largestFreeBlocks)} blocks of ${size}`);
  } else if (k.totalBytes !== null) {
    out.push('largest    unknown (no max free sz and no map)');
  }
  if (k.fragmentation !== null)
    out.push(`fragmentation ${k.fragmentation.toFixed(2)} (1 - largest free / total free)`);
  if (f) {
    const cut = k.mapCut ? ' (the part of the map that arrived)' : '';
    out.push(c.dim(`map        ${formatBytes(f.totalBlocks)} blocks of ${size}${cut}`));
    const holes = f.holeHistogram
      .filter((h) => h.count > 0)
      .map((h) => `${sizeRange(h.minBlocks, h.maxBlocks, s.blockSize)}: ${h.count}`);
    if (holes.length > 0) out.push(`holes      ${holes.join(', ')}`);
    const types = Object.entries(f.types).sort((x, y) => y[1].bytes - x[1].bytes);
    if (types.length > 0) {
      out.push(
        `by type    ${types.map(([t, v]) => `${t} ${formatBytes(v.count)}×/${formatBytes(v.bytes)} B`).join(', ')}`,
      );
    }
  }
  if (k.canGrowBytes !== null) out.push(`can grow   by up to ${b(k.canGrowBytes)} (max new split)`);
  if (out.length === 0) out.push(c.dim('no figures (the mem_info lines were cut)'));
  return out;
}

function sizeRange(min: number, max: number, bs: number): string {
  return min === max ? `${formatBytes(min * bs)} B` : `${formatBytes(min * bs)}-${formatBytes(max * bs)} B`;
}

/** The snapshot's verdict in one sentence (analysis/verdict.ts: the same in every view). */
export function verdict(s: HeapSnapshot, ctx: VerdictContext = {}): string {
  return heapVerdict(s, ctx).text;
}
