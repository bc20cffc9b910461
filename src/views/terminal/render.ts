/**
 * One snapshot drawn for a terminal: the heap map in colour, a legend in words, the figures and
 * a one-line verdict. `run` and `monitor` reuse `renderSnapshot` to show their snapshots.
 */
import pc from 'picocolors';
import { type HeapFigures, headerFigures, heapFigures } from '../../analysis/figures.js';
import { CH_FREE } from '../../heap/block-map.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { formatBytes } from '../../util/size.js';
import { PALETTE } from '../palette.js';
import { LEGEND } from './legend.js';

type Colors = ReturnType<typeof pc.createColors>;
type Paint = (s: string) => string;

export interface TerminalOptions {
  /** Colour on or off (callers decide from --no-color, NO_COLOR and the TTY). */
  color: boolean;
  /** Blocks per map row (gc.c prints 64). */
  width?: number;
  /** Print the legend (default true). */
  legend?: boolean;
  /** Print the map (default true); false gives figures and verdict only. */
  map?: boolean;
  /**
   * False when the caller knows the heap cannot grow although the firmware prints
   * `max new split` (the built-in engine under --fixed): the "can grow" line is then left out.
   */
  heapCanGrow?: boolean;
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
  if (opts.legend !== false && s.areas.length > 0) {
    lines.push('');
    lines.push(...renderLegend(s, f as HeapFigures, paint, c));
  }
  lines.push('');
  lines.push(...renderFigures(s, f, c, opts.heapCanGrow !== false));
  for (const w of s.warnings) lines.push(c.yellow(`warning: ${w}`));
  lines.push('');
  lines.push(c.bold(verdict(s)));
  return `${lines.join('\n')}\n`;
}

export function snapshotTitle(s: HeapSnapshot): string {
  const what = s.label ? `'${s.label}'` : s.trigger === 'memory_error' ? 'after MemoryError' : '';
  const parts = [`snapshot #${s.seq}`, what, `from ${s.source}`, s.complete ? '' : '(incomplete: cut short)'];
  return parts.filter((p) => p !== '').join(' ');
}

function renderMap(s: HeapSnapshot, width: number, paint: Record<string, Paint>, c: Colors): string[] {
  const out: string[] = [];
  const w = Math.max(8, Math.floor(width));
  s.areas.forEach((area, i) => {
    const label = s.areas.length > 1 ? `area ${i + 1} of ${s.areas.length}, ` : '';
    out.push(
      c.dim(`${label}from ${area.base}: ${formatBytes(area.map.length)} blocks of ${s.blockSize} bytes`),
    );
    const map = area.map;
    const digits = Math.max(5, (map.length * s.blockSize).toString(16).length);
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
        ? `${formatBytes(f.freeBytes)} bytes in ${formatBytes(f.holes)} holes`
        : e.char === '='
          ? ''
          : t
            ? `${formatBytes(t.count)} ${t.count === 1 ? 'object' : 'objects'}, ${formatBytes(t.bytes)} bytes, largest ${formatBytes(t.largestBlocks * s.blockSize)}`
            : '';
    const meaning = e.char === '.' ? `a free block (${s.blockSize} bytes here)` : e.meaning;
    out.push(
      `  ${paint[e.char](e.char)}  ${e.name.padEnd(17)}${meaning}${count ? c.dim(`  [${count}]`) : ''}`,
    );
  }
  return out;
}

function renderFigures(s: HeapSnapshot, f: HeapFigures | null, c: Colors, canGrow: boolean): string[] {
  const out: string[] = [];
  const b = (n: number) => `${formatBytes(n)} bytes`;
  if (s.stack)
    out.push(
      `stack      ${b(s.stack.used)}${s.stack.limit !== null ? ` of ${formatBytes(s.stack.limit)}` : ''}`,
    );
  if (s.mem)
    out.push(`mem stats  total ${b(s.mem.total)}, current ${b(s.mem.current)}, peak ${b(s.mem.peak)}`);
  if (f) {
    const pct = f.totalBytes === 0 ? 0 : (100 * f.usedBytes) / f.totalBytes;
    out.push(`heap       ${b(f.totalBytes)} (${formatBytes(f.totalBlocks)} blocks of ${s.blockSize})`);
    out.push(`used       ${b(f.usedBytes)} (${pct.toFixed(1)}%) in ${formatBytes(f.objects)} objects`);
    out.push(
      `free       ${b(f.freeBytes)} in ${formatBytes(f.holes)} holes; largest ${b(f.largestFreeBytes)}`,
    );
    out.push(`fragmentation ${f.fragmentation.toFixed(2)} (1 - largest free / total free)`);
    const holes = f.holeHistogram
      .filter((h) => h.count > 0)
      .map((h) => `${sizeRange(h.minBlocks, h.maxBlocks, s.blockSize)}: ${h.count}`);
    if (holes.length > 0) out.push(`holes      ${holes.join(', ')}`);
    const types = Object.entries(f.types).sort((x, y) => y[1].bytes - x[1].bytes);
    if (types.length > 0) {
      out.push(
        `by type    ${types.map(([k, t]) => `${k} ${formatBytes(t.count)}×/${formatBytes(t.bytes)} B`).join(', ')}`,
      );
    }
  } else if (s.gc) {
    out.push(
      `heap       ${b(s.gc.total)}; used ${b(s.gc.used)}, free ${b(s.gc.free)} (no map: mem_info() without 1)`,
    );
  }
  if (canGrow && s.gc?.maxNewSplit != null)
    out.push(`can grow   by up to ${b(s.gc.maxNewSplit)} (max new split)`);
  if (out.length === 0) out.push(c.dim('no figures (the mem_info lines were cut)'));
  return out;
}

function sizeRange(min: number, max: number, bs: number): string {
  return min === max ? `${formatBytes(min * bs)} B` : `${formatBytes(min * bs)}-${formatBytes(max * bs)} B`;
}

/** `largest allocation possible now: 3,120 bytes (6,048 free in 37 holes — fragmented)` */
export function verdict(s: HeapSnapshot): string {
  if (s.areas.length === 0) {
    const h = headerFigures(s);
    if (!h) return 'no heap figures in this snapshot';
    return `largest allocation possible now: ${formatBytes(h.largestFreeBytes)} bytes (${formatBytes(h.freeBytes)} free — ${fragWord(h.fragmentation, 2)})`;
  }
  const f = heapFigures(s);
  const cut = s.complete ? '' : '; map cut short, counts cover what was seen';
  if (f.freeBytes === 0) return `largest allocation possible now: 0 bytes (the heap is full${cut})`;
  const holes = f.holes === 1 ? '1 hole' : `${formatBytes(f.holes)} holes`;
  return `largest allocation possible now: ${formatBytes(f.largestFreeBytes)} bytes (${formatBytes(f.freeBytes)} free in ${holes} — ${fragWord(f.fragmentation, f.holes)}${cut})`;
}

function fragWord(fragmentation: number, holes: number): string {
  if (holes <= 1 || fragmentation < 0.1) return 'not fragmented';
  if (fragmentation < 0.5) return 'somewhat fragmented';
  return 'fragmented';
}
