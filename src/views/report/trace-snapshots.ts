/**
 * Snapshots of a heap trace as it runs on the model, for `mpheap sim --html`: one after each
 * operation (sampled evenly when the trace is longer than `maxSnapshots`, but never skipping an
 * `info`, a `dump` or a failed allocation), each labelled with its trace line.
 */
import type { GcHeap } from '../../heap/gc-heap.js';
import { snapshotOfHeap } from '../../heap/snapshot-of-heap.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import type { Trace, TraceOp } from '../../trace/parse.js';
import { runTrace, type SimOptions, type SimResult } from '../../trace/run.js';
import { reportOutput } from '../../util/bounded-text.js';
import type { ReportEvent } from './format.js';
import { writeReportFile } from './write-report.js';

export interface TraceSnapshots {
  snapshots: HeapSnapshot[];
  events: ReportEvent[];
  result: SimResult;
}

export function snapshotsOfTrace(
  trace: Trace,
  opts: SimOptions & { source?: string; lines?: readonly string[]; maxSnapshots?: number },
): TraceSnapshots {
  const max = opts.maxSnapshots ?? 2000;
  const stride = Math.max(1, Math.ceil(trace.ops.length / max));
  const snapshots: HeapSnapshot[] = [];
  const events: ReportEvent[] = [];
  let pending = '';
  let step = 0;
  const userStep = opts.onStep;
  const onStep = (op: TraceOp, heap: GcHeap | null, printed: string) => {
    userStep?.(op, heap, printed);
    // What a snapshot keeps of the output before it, as the decoder keeps it: its last 16 KiB.
    pending = (pending + printed).slice(-16 * 1024);
    step++;
    const failed = /^(alloc|realloc) \S+ failed$/m.test(printed);
    const wanted =
      failed || op.op === 'info' || op.op === 'dump' || step % stride === 0 || step === trace.ops.length;
    if (!heap || !wanted) return;
    const source = (opts.lines?.[op.line - 1] ?? op.op).replace(/#.*/, '').trim();
    const seq = snapshots.length;
    snapshots.push(
      snapshotOfHeap(heap, {
        seq,
        source: opts.source ?? 'model',
        label: `line ${op.line}: ${source}`,
        trigger: failed ? 'memory_error' : 'step',
        outputBefore: pending,
      }),
    );
    pending = '';
    if (failed) {
      const request = op.op === 'alloc' || op.op === 'realloc' ? op.nbytes : null;
      events.push({ time: null, event: 'memory_error', seq, request, message: printed.trim() });
    }
  };
  const result = runTrace(trace, { ...opts, onStep });
  return { snapshots, events, result };
}

/** Runs the trace (as runTrace does) and writes its report to `path`; `mpheap sim --html`. */
export function writeTraceReport(
  path: string,
  traceFile: string,
  trace: Trace,
  opts: SimOptions & { lines?: readonly string[] },
): { result: SimResult; snapshots: number; bytes: number } {
  const name = traceFile === '-' ? '<stdin>' : traceFile;
  const t = snapshotsOfTrace(trace, { ...opts, source: `model:${name}` });
  const output = reportOutput();
  output.add(t.result.output);
  const bytes = writeReportFile(path, t.snapshots, {
    events: t.events,
    output: output.text(),
    title: `mpheap sim ${name}`,
  });
  return { result: t.result, snapshots: t.snapshots.length, bytes };
}
