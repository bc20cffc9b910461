/**
 * The profile at the end of `mpheap run --profile`: a table of the lines and functions that
 * used the heap most (text), and the profile for `--json` (docs/json.md).
 */
import { aliveByLine, OWNER_TEXT } from '../analysis/profile-lines.js';
import type { HeapProfile } from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { formatBytes } from '../util/size.js';
import { plural } from '../util/text.js';

/** Lines and functions shown in the terminal (all of them are in --json). */
const TOP_LINES = 10;
const TOP_FUNCTIONS = 5;
const WIDTH = 80;

export function formatProfile(p: HeapProfile): string[] {
  const out: string[] = [];
  out.push(`Heap by source line (${p.precision})`);
  if (p.lines.length === 0) {
    out.push('  no line of the script allocated');
  } else {
    out.push(
      p.board
        ? '   line  function          bytes    runs  left out  code'
        : '   line  function          bytes  allocs  alive at end  code',
    );
    const runs = new Map(p.board?.lines.map((l) => [l.line, l]));
    for (const l of p.lines.slice(0, TOP_LINES)) {
      const head = `  ${String(l.line).padStart(5)}  ${cut(l.function, 14).padEnd(14)} ${formatBytes(l.bytes).padStart(8)} `;
      let row: string;
      if (p.board) {
        // A board's probes count the times a line ran, not its allocations.
        const r = runs.get(l.line);
        row = `${head}${formatBytes(r?.runs ?? 0).padStart(7)}  ${formatBytes(r?.leftOut ?? 0).padStart(8)}  `;
      } else {
        const alive = !l.aliveAtEnd
          ? '0'
          : `${formatBytes(l.aliveAtEnd)} (${formatBytes(l.aliveBytesAtEnd ?? 0)} B)`;
        row = `${head}${known(l.allocations).padStart(7)}  ${alive.padStart(12)}  `;
      }
      out.push(row + cut(l.text, Math.max(8, WIDTH - row.length)));
    }
    if (p.lines.length > TOP_LINES)
      out.push(`  …and ${p.lines.length - TOP_LINES} more lines (in --json and the recording)`);
  }
  const fns = p.functions.filter((f) => f.function !== '<module>').slice(0, TOP_FUNCTIONS);
  if (fns.length > 0 && p.board) {
    out.push(
      '  functions (bytes their own lines made; a board cannot tell what the functions they call made):',
    );
    for (const f of fns)
      out.push(`    ${cut(f.function, 30).padEnd(30)} ${formatBytes(f.bytes).padStart(9)} B`);
  } else if (fns.length > 0) {
    out.push('  functions (bytes their own lines made / with the functions they call):');
    for (const f of fns)
      out.push(
        `    ${cut(f.function, 30).padEnd(30)} ${formatBytes(f.bytes).padStart(9)} / ${known(f.totalBytes).padStart(9)} B` +
          `  ${known(f.totalAllocations)} alloc${f.totalAllocations === 1 ? '' : 's'}`,
      );
  }
  if (p.board) out.push(...boardFootprint(p));
  else if (p.other.length > 0) out.push("  apart from the script's lines:");
  for (const o of p.board ? [] : p.other)
    out.push(
      `    ${OWNER_TEXT[o.owner]}: ${formatBytes(o.bytes)} B in ` +
        `${known(o.allocations)} alloc${o.allocations === 1 ? '' : 's'}, ${formatBytes(o.aliveBytesAtEnd)} B kept`,
    );
  for (const k of p.leaks.slice(0, 3))
    out.push(
      `  growing across collections: line ${k.line}${k.function === '<module>' ? '' : ` (${k.function})`}: ` +
        `${formatBytes(k.aliveFirst)} → ${formatBytes(k.aliveLast)} allocations alive over ${k.collections} collections, ` +
        `${formatBytes(k.bytesAtEnd)} B at the end`,
    );
  return out;
}

/** mpheap's own heap on a board, measured there, apart from the script's lines. */
function boardFootprint(p: HeapProfile): string[] {
  const b = p.board;
  if (!b) return [];
  const f = b.footprint;
  const parts = [
    f.probeBytes === null
      ? 'the probe and its table: not measured'
      : `the probe and its table ${formatBytes(f.probeBytes)} B`,
    ...(f.inputBufferBytes
      ? [`the raw REPL's input buffer grown by ${formatBytes(f.inputBufferBytes)} B to take it`]
      : []),
    f.codeBytes === null
      ? `${formatBytes(b.probes)} probes in the script: their code not measured`
      : `${formatBytes(b.probes)} probes in the script ${formatBytes(f.codeBytes)} B of text and bytecode`,
  ];
  if (f.canaryBytes > 0) parts.push(`canary blocks ${formatBytes(f.canaryBytes)} B of garbage`);
  const snaps = p.other.find((o) => o.owner === 'mpheap');
  const snapBytes = snaps
    ? snaps.bytes - (f.probeBytes ?? 0) - (f.inputBufferBytes ?? 0) - (f.codeBytes ?? 0) - f.canaryBytes
    : 0;
  if (snapBytes !== 0) parts.push(`mpheap.snap() ${formatBytes(snapBytes)} B`);
  const out = [`  mpheap's own (measured on the board, not in the lines): ${parts.join(', ')}`];
  if (b.insertedLines > 0)
    out.push(
      `  ${plural(b.insertedLines, 'probe line')} inserted: tracebacks are mapped back to the script's lines`,
    );
  return out;
}

function known(n: number | null): string {
  return n === null ? '?' : formatBytes(n);
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The profile in `--json`: the run's HeapProfile with each stack's frames spelled out. */
export function profileJson(p: HeapProfile) {
  return {
    exact: p.exact,
    precision: p.precision,
    blockSize: p.blockSize,
    collections: p.collections,
    peakUsedBytes: p.peakUsedBytes,
    lines: p.lines,
    functions: p.functions,
    other: p.other,
    leaks: p.leaks,
    board: p.board,
    stacks: p.stacks.map((s) => ({
      frames: s.frames.map((i) => p.frames[i]),
      owner: s.owner,
      allocations: s.allocations,
      bytes: s.bytes,
      aliveAtEnd: s.aliveAtEnd,
      aliveBytesAtEnd: s.aliveBytesAtEnd,
    })),
  };
}

/** A snapshot's `alive` field in `--json`: what each line held at that moment. */
export function snapshotAliveJson(s: HeapSnapshot, p: HeapProfile | null) {
  return s.profile && p ? aliveByLine(s.profile, p) : null;
}
