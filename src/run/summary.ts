/**
 * The end of a run, for people (text) and for scripts (`--json`, documented in docs/json.md).
 */
import { snapshotJson } from '../analysis/snapshot-json.js';
import type { EngineInfo } from '../engines/engine.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { formatBytes } from '../util/size.js';
import { runFigures } from './heap-figures.js';
import type { RunResult } from './session.js';

const SPARKS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled between the smallest and largest; `·` where unknown. */
export function sparkline(values: ReadonlyArray<number | null>): string {
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
}

/** The summary printed after the script's output. */
export function formatSummary(r: RunResult, ctx: SummaryContext): string {
  const lines: string[] = [];
  const heap = ctx.engine.heapSize === null ? '' : `, heap ${formatBytes(ctx.engine.heapSize)} bytes`;
  lines.push(`mpheap run ${r.scriptName}: ${ctx.engine.description}${heap}`);
  lines.push(
    `  peak used ${b(r.peakUsed)} bytes; lowest largest free block ${b(r.minLargestFree)} bytes; ` +
      `${r.snapshots.length} snapshot${r.snapshots.length === 1 ? '' : 's'} in ${(r.elapsedMs / 1000).toFixed(2)} s`,
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
  for (const w of ctx.engine.warnings ?? []) lines.push(`  note: ${w}`);
  if (r.snapshots.length > 0) {
    const used = r.snapshots.map((s) => runFigures(s).used);
    lines.push(`  used over time  ${sparkline(used)}`);
    lines.push('');
    lines.push('   #  trigger / label                                         used   largest free   total');
    for (const s of r.snapshots) {
      const f = runFigures(s);
      const what = describe(s);
      const cut = what.length > 52 ? `${what.slice(0, 49)}...` : what;
      lines.push(
        `  ${String(s.seq).padStart(2)}  ${cut.padEnd(52)} ${b(f.used).padStart(9)}  ${b(f.largestFree).padStart(13)}  ${b(f.total).padStart(6)}`,
      );
    }
  }
  // A failure the script caught is explained too; one that ended it is explained below.
  const uncaught = new Set(r.memoryErrors.map((m) => m.seq));
  const caught = r.allocationFailures.filter((f) => !uncaught.has(f.seq));
  for (const f of caught.slice(0, 3)) {
    lines.push('');
    const after = f.label === null ? '' : ` (after ${f.label})`;
    lines.push(`Allocation failed${after}, snapshot ${f.seq}: ${f.diagnosis}`);
  }
  if (caught.length > 3)
    lines.push(`…and ${caught.length - 3} more failed allocations (in --json and the recording)`);
  for (const m of r.memoryErrors) {
    lines.push('');
    const where = m.line === null ? '' : ` at ${r.scriptName}:${m.line}`;
    const label = m.label === null ? '' : ` (${m.label})`;
    lines.push(`MemoryError${where}${label}: ${m.diagnosis}`);
  }
  if (r.error && r.error.type !== 'MemoryError') {
    lines.push('');
    lines.push(
      `${r.error.type}${r.error.line === null ? '' : ` at ${r.scriptName}:${r.error.line}`}: ${r.error.message}`,
    );
  }
  if (r.timedOut) {
    lines.push('');
    lines.push('stopped by the watchdog (--timeout): everything up to then is in the recording');
  }
  for (const v of r.violations) lines.push(`budget broken: ${v.message}`);
  if (ctx.recording) lines.push(`recording: ${ctx.recording} (mpheap decode ${ctx.recording} --all)`);
  return `${lines.join('\n')}\n`;
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
    },
    script: r.scriptName,
    heapSize: ctx.engine.heapSize,
    exit: r.exit,
    snapshots: r.snapshots.map((s) => snapshotJson(s)),
    memoryErrors: r.memoryErrors.map((m) => ({
      requested: m.requested,
      largestFree: m.largestFree,
      free: m.free,
      label: m.label,
      line: m.line,
      seq: m.seq,
      cause: m.cause,
      diagnosis: m.diagnosis,
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
    collections: r.collections,
    failedAllocations: r.failedAllocations,
    allocationFailures: r.allocationFailures.map((m) => ({
      requested: m.requested,
      largestFree: m.largestFree,
      free: m.free,
      label: m.label,
      seq: m.seq,
      cause: m.cause,
      diagnosis: m.diagnosis,
    })),
    elapsedMs: r.elapsedMs,
    recording: ctx.recording,
  };
}
