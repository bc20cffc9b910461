/**
 * The profile at the end of `mpheap run --profile`: a table of the lines and functions that
 * used the heap most (text), and the profile for `--json` (docs/json.md).
 */
import { aliveByLine, OWNER_TEXT } from '../analysis/profile-lines.js';
import type { HeapProfile } from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { formatBytes } from '../util/size.js';

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
    out.push('   line  function          bytes  allocs  alive at end  code');
    for (const l of p.lines.slice(0, TOP_LINES)) {
      const alive =
        l.aliveAtEnd === 0 ? '0' : `${formatBytes(l.aliveAtEnd)} (${formatBytes(l.aliveBytesAtEnd)} B)`;
      const row =
        `  ${String(l.line).padStart(5)}  ${cut(l.function, 14).padEnd(14)} ${formatBytes(l.bytes).padStart(8)} ` +
        `${formatBytes(l.allocations).padStart(7)}  ${alive.padStart(12)}  `;
      out.push(row + cut(l.text, Math.max(8, WIDTH - row.length)));
    }
    if (p.lines.length > TOP_LINES)
      out.push(`  …and ${p.lines.length - TOP_LINES} more lines (in --json and the recording)`);
  }
  const fns = p.functions.filter((f) => f.function !== '<module>').slice(0, TOP_FUNCTIONS);
  if (fns.length > 0) {
    out.push('  functions (bytes their own lines made / with the functions they call):');
    for (const f of fns)
      out.push(
        `    ${cut(f.function, 30).padEnd(30)} ${formatBytes(f.bytes).padStart(9)} / ${formatBytes(f.totalBytes).padStart(9)} B` +
          `  ${formatBytes(f.totalAllocations)} alloc${f.totalAllocations === 1 ? '' : 's'}`,
      );
  }
  if (p.other.length > 0) out.push("  apart from the script's lines:");
  for (const o of p.other)
    out.push(
      `    ${OWNER_TEXT[o.owner]}: ${formatBytes(o.bytes)} B in ` +
        `${formatBytes(o.allocations)} alloc${o.allocations === 1 ? '' : 's'}, ${formatBytes(o.aliveBytesAtEnd)} B kept`,
    );
  for (const k of p.leaks.slice(0, 3))
    out.push(
      `  growing across collections: line ${k.line}${k.function === '<module>' ? '' : ` (${k.function})`}: ` +
        `${formatBytes(k.aliveFirst)} → ${formatBytes(k.aliveLast)} allocations alive over ${k.collections} collections, ` +
        `${formatBytes(k.bytesAtEnd)} B at the end`,
    );
  return out;
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
