/**
 * The end of a run, for people (text) and for scripts (`--json`, documented in docs/json.md).
 */
import { blameSentence } from '../analysis/profile-blame.js';
import { snapshotJson } from '../analysis/snapshot-json.js';
import type { BoardProfile } from '../engines/board-profiles.js';
import type { EngineInfo } from '../engines/engine.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { bytesText, formatBytes } from '../util/size.js';
import { plural, shellQuote } from '../util/text.js';
import { runFigures } from './heap-figures.js';
import { formatProfile, profileJson, snapshotAliveJson } from './profile-summary.js';
import type { RunResult } from './session.js';

const SPARKS = '▁▂▃▄▅▆▇█';

/**
 * One character per value, scaled between the smallest and largest; `·` where unknown. More
 * values than `width` share characters, each the highest of its share (a peak is never lost).
 */
export function sparkline(all: ReadonlyArray<number | null>, width = 64): string {
  let values = all;
  if (all.length > width) {
    values = Array.from({ length: width }, (_, k) => {
      let top: number | null = null;
      const end = Math.floor(((k + 1) * all.length) / width);
      for (let i = Math.floor((k * all.length) / width); i < end; i++) {
        const v = all[i];
        if (v !== null && (top === null || v > top)) top = v;
      }
      return top;
    });
  }
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return '';
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return values
    .map((v) => {
      if (v === null) return '·';
      if (hi === lo) return SPARKS[3];
      return SPARKS[Math.round(((v - lo) / (hi - lo)) * (SPARKS.length - 1))];
    })
    .join('');
}

/** `1,234` or `?`. */
function b(n: number | null): string {
  return n === null ? '?' : formatBytes(n);
}

function describe(s: HeapSnapshot): string {
  const t = s.trigger ?? 'mem_info';
  return s.label ? `${t} ${s.label}` : t;
}

export interface SummaryContext {
  engine: EngineInfo;
  recording: string | null;
  /** The board profile the heap was sized by (--board), if any. */
  board?: BoardProfile | null;
  /** The terminal's width: the snapshot table's label column narrows to fit it. */
  columns?: number | null;
}

/**
 * `16,384 bytes (16,000 for objects, 384 for gc.c's tables)`: --heap is the whole region, and every
 * snapshot shows the pool (`GC: total`) that gc_init carves out of it.
 */
function heapWords(heapSize: number, first: HeapSnapshot | undefined): string {
  const pool = first?.gc?.total ?? null;
  if (pool === null || pool >= heapSize) return bytesText(heapSize);
  return `${bytesText(heapSize)} (${formatBytes(pool)} for objects, ${formatBytes(heapSize - pool)} for gc.c's tables)`;
}

/** Rows of the snapshot table, at most: the first and last, and every failure between. */
const TABLE_ROWS = 24;

/** The snapshots the table lists: all of a short run; else the first and last 10, and failures. */
function tableRows(kept: HeapSnapshot[]): HeapSnapshot[] {
  if (kept.length <= TABLE_ROWS) return kept;
  const ends = 10;
  let failures = 0;
  return kept.filter((s, i) => {
    if (i < ends || i >= kept.length - ends) return true;
    // A few failures between; the summary explains the first three below anyway.
    return (s.trigger === 'alloc_failed' || s.trigger === 'memory_error') && failures++ < 4;
  });
}

/** The summary printed after the script's output. */
export function formatSummary(r: RunResult, ctx: SummaryContext): string {
  const lines: string[] = [];
  const heap = ctx.engine.heapSize === null ? '' : `, heap ${heapWords(ctx.engine.heapSize, r.snapshots[0])}`;
  lines.push(`mpheap run ${r.scriptName}: ${ctx.engine.description}${heap}`);
  if (ctx.board) lines.push(`  ${boardLine(ctx.board)}`);
  lines.push(
    `  peak used ${b(r.peakUsed)} bytes; lowest largest free block ${b(r.minLargestFree)} bytes; ` +
      `${plural(r.snapshotsTaken, 'snapshot')} in ${(r.elapsedMs / 1000).toFixed(2)} s`,
  );
  const c = r.collections;
  if (c) {
    const freed = c.count === 0 ? '' : `, freeing ${b(c.freedBytes)} bytes in ${c.ms.toFixed(1)} ms`;
    lines.push(`  ${c.count} garbage collection${c.count === 1 ? '' : 's'} during the run${freed}`);
    if (c.count > 0)
      lines.push(
        `  after them: at most ${b(c.peakLiveAfter)} bytes still used, largest free block never below ` +
          `${b(c.minLargestFreeAfter)} bytes`,
      );
  }
  if (r.failedAllocations) {
    lines.push(
      `  ${r.failedAllocations} allocation${r.failedAllocations === 1 ? '' : 's'} found no room even after collecting ` +
        '(the heap of each: an alloc_failed snapshot)',
    );
  }
  const own = ctx.engine.mpheapBytes;
  if (typeof own === 'number')
    lines.push(
      `  mpheap's helper: ${b(own)} bytes of the heap at start (in every snapshot; not the script's)`,
    );
  if (r.shims)
    lines.push(
      `  board shims ${r.shims.modules.join(', ')}: ${b(r.shims.bytes)} bytes of the heap from the start ` +
        "(in every snapshot; not the script's: a board's own modules live in flash and take far less)",
    );
  for (const w of ctx.engine.warnings ?? []) lines.push(`  note: ${w}`);
  if (r.snapshots.length > 0) {
    lines.push(`  used over time  ${sparkline(r.usedOverTime)}`);
    lines.push('');
    const seqWidth = Math.max(2, String(r.snapshotsTaken - 1).length);
    // 37 columns and the seq around the label; it takes what is left of the terminal (less one), up to 52.
    const labelWidth = ctx.columns ? Math.max(12, Math.min(52, ctx.columns - 38 - seqWidth)) : 52;
    const row = (seq: string, what: string, used: string, largest: string, total: string) =>
      `  ${seq.padStart(seqWidth)}  ${what.padEnd(labelWidth)} ${used.padStart(9)}  ${largest.padStart(13)}  ${total.padStart(6)}`;
    lines.push(row('#', 'trigger / label', 'used', 'largest free', 'total'));
    const listed = tableRows(r.snapshots);
    for (const [k, s] of listed.entries()) {
      const skipped = s.seq - (k === 0 ? 0 : listed[k - 1].seq + 1);
      if (skipped > 0) lines.push(`  ${'⋮'.padStart(seqWidth)}  ${formatBytes(skipped)} more`);
      const f = runFigures(s);
      const what = describe(s);
      const cut = what.length > labelWidth ? `${what.slice(0, labelWidth - 1)}…` : what;
      lines.push(row(String(s.seq), cut, b(f.used), b(f.largestFree), b(f.total)));
    }
    const after = r.snapshotsTaken - 1 - (listed.at(-1)?.seq ?? -1);
    if (after > 0) lines.push(`  ${'⋮'.padStart(seqWidth)}  ${formatBytes(after)} more`);
    if (listed.length < r.snapshotsTaken)
      lines.push(
        `  (${formatBytes(r.snapshotsTaken - listed.length)} snapshots not listed: --json has ` +
          `${r.snapshotsLeftOut > 0 ? 'the first and last 500' : 'every one'}, the recording every one)`,
      );
  }
  // A failure the script caught is explained too; one that ended it is explained below.
  const uncaught = new Set(r.memoryErrors.map((m) => m.seq));
  const caught = r.allocationFailures.filter((f) => !uncaught.has(f.seq));
  for (const f of caught.slice(0, 3)) {
    lines.push('');
    const after = f.label === null ? '' : ` (after ${f.label})`;
    lines.push(`Allocation failed${after}, snapshot ${f.seq}: ${f.diagnosis}`);
    for (const blame of f.blame ?? []) lines.push(`  ${blameSentence(blame, f.requested)}`);
  }
  if (caught.length > 3)
    lines.push(`…and ${caught.length - 3} more failed allocations (in --json and the recording)`);
  for (const m of r.memoryErrors) {
    lines.push('');
    const where = m.line === null ? '' : ` at ${r.scriptName}:${m.line}`;
    const label = m.label === null ? '' : ` (${m.label})`;
    lines.push(`MemoryError${where}${label}: ${m.diagnosis}`);
    for (const blame of m.blame ?? []) lines.push(`  ${blameSentence(blame, m.requested)}`);
  }
  if (r.error && r.error.type !== 'MemoryError') {
    lines.push('');
    lines.push(
      `${r.error.type}${r.error.line === null ? '' : ` at ${r.scriptName}:${r.error.line}`}: ${r.error.message}`,
    );
  }
  if (r.exit === 'interrupted') {
    lines.push('');
    lines.push(
      `interrupted (Ctrl-C): everything captured up to then is above${ctx.recording ? ' and in the recording' : ''}`,
    );
  }
  if (r.timedOut) {
    lines.push('');
    lines.push(
      `stopped by the watchdog (--timeout)${ctx.recording ? ': everything up to then is in the recording' : ''}`,
    );
  }
  if (r.profile) {
    lines.push('');
    lines.push(...formatProfile(r.profile));
  } else if (r.profileProblem) {
    lines.push('');
    lines.push(`Heap by source line: ${r.profileProblem}`);
  }
  for (const v of r.violations) lines.push(`budget broken: ${v.message}`);
  if (ctx.recording)
    lines.push(`recording: ${ctx.recording} (mpheap decode ${shellQuote(ctx.recording)} --all)`);
  return `${lines.join('\n')}\n`;
}

/** What a board profile stands for, in one line. */
export function boardLine(b: BoardProfile): string {
  const about = b.uncertaintyBytes === null ? '' : ` (±${formatBytes(b.uncertaintyBytes)}: not exact)`;
  const grows = b.canGrowBytes === null ? 'fixed' : `grows by up to ${formatBytes(b.canGrowBytes)} bytes`;
  return `board ${b.name}: ${b.title}; a GC pool of ${formatBytes(b.poolBytes)} bytes${about}, ${grows}`;
}

/** The `--json` summary (docs/json.md, `mpheap run --json`). */
export function summaryJson(r: RunResult, ctx: SummaryContext) {
  return {
    engine: {
      kind: ctx.engine.kind,
      description: ctx.engine.description,
      version: ctx.engine.version,
      fixedHeap: ctx.engine.fixedHeap,
      collectsMidLoop: ctx.engine.collectsMidLoop,
      warnings: ctx.engine.warnings ?? [],
      mpheapBytes: ctx.engine.mpheapBytes ?? null,
    },
    script: r.scriptName,
    heapSize: ctx.engine.heapSize,
    shims: r.shims,
    board: ctx.board
      ? {
          name: ctx.board.name,
          poolBytes: ctx.board.poolBytes,
          uncertaintyBytes: ctx.board.uncertaintyBytes,
          canGrowBytes: ctx.board.canGrowBytes,
          source: ctx.board.source,
        }
      : null,
    exit: r.exit,
    snapshotsTaken: r.snapshotsTaken,
    snapshotsLeftOut: r.snapshotsLeftOut,
    snapshots: r.snapshots.map((s) => {
      const m = r.memoryErrors.find((e) => e.seq === s.seq);
      const j = snapshotJson(s, {
        memoryError: m ? { request: m.requested } : null,
        heapCanGrow: !ctx.engine.fixedHeap,
      });
      const alive = snapshotAliveJson(s, r.profile);
      return alive ? { ...j, alive } : j;
    }),
    memoryErrors: r.memoryErrors.map((m) => ({
      requested: m.requested,
      largestFree: m.largestFree,
      free: m.free,
      label: m.label,
      line: m.line,
      seq: m.seq,
      cause: m.cause,
      diagnosis: m.diagnosis,
      ...(m.blame ? { blame: m.blame } : {}),
    })),
    error: r.error ? { type: r.error.type, message: r.error.message, line: r.error.line } : null,
    budgets: r.violations.map((v) => ({
      budget: v.budget,
      limit: v.limit,
      value: v.value,
      seq: v.seq,
      label: v.label,
      line: v.line,
      message: v.message,
    })),
    peakUsed: r.peakUsed,
    minLargestFree: r.minLargestFree,
    collections: r.collections && { ...r.collections, ms: Math.round(r.collections.ms * 1000) / 1000 },
    failedAllocations: r.failedAllocations,
    allocationFailures: r.allocationFailures.map((m) => ({
      requested: m.requested,
      largestFree: m.largestFree,
      free: m.free,
      label: m.label,
      seq: m.seq,
      cause: m.cause,
      diagnosis: m.diagnosis,
      ...(m.blame ? { blame: m.blame } : {}),
    })),
    profile: r.profile ? profileJson(r.profile) : null,
    elapsedMs: r.elapsedMs,
    recording: ctx.recording,
  };
}
