/**
 * One `mpheap run`: a script on any Engine, its heap recorded as it goes.
 *
 * Snapshots come from the output alone, decoded as it streams in, so every engine (the
 * WebAssembly build, a board over serial, the emulated micro:bit) is handled the same way:
 *   start, end        mpheap sends a marker and `mem_info(1)` before and after the script
 *   mem_info          the script prints `micropython.mem_info(...)` itself
 *   snap              the script calls `mpheap.snap("label")` (the helper module)
 *   step              with `step`, each top-level statement runs as its own unit, then a snapshot
 *   memory_error      after an uncaught MemoryError, with the requested size from the message
 * Each snapshot is appended to the recording the moment it is decoded, and checked against the
 * budgets.
 */
import { createDecoder } from '../decode/index.js';
import type { Engine, ExecResult, HeapEvent, PythonErrorInfo } from '../engines/engine.js';
import { HELPER_MODULE_NAME, HELPER_MODULE_SOURCE } from '../engines/python/helper-module.js';
import { requestedBytesOf } from '../engines/traceback.js';
import type { RecordingWriter } from '../recording/recording.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import {
  type Budgets,
  type BudgetViolation,
  checkCollection,
  checkSnapshot,
  memoryErrorViolation,
} from './budgets.js';
import { diagnose, type MemoryErrorReport } from './diagnosis.js';
import { type CollectionTotals, HeapEventLog } from './heap-events.js';
import { type RunFigures, runFigures } from './heap-figures.js';
import { guardForMemoryError, unshiftError } from './memory-error-guard.js';
import { snapshotCode } from './snapshot-code.js';
import { codeAtItsLine, splitTopLevel } from './split-statements.js';

export type RunExit = 'ok' | 'exception' | 'timeout' | 'budget';

export interface RunOptions {
  /** The script's name in messages and tracebacks (e.g. `examples/ring.py`). */
  scriptName?: string;
  /** Run each top-level statement on its own, with a snapshot after each. */
  step?: boolean;
  /** Watchdog: stop the script after this long (ms, over the whole run). */
  timeoutMs?: number;
  budgets?: Budgets;
  /** Every snapshot, program output and event is appended here as it happens. */
  recording?: RecordingWriter | null;
  /** Goes into each snapshot's `source` (default: the engine's kind). */
  source?: string;
  /** The script's output as it comes (diagnostics removed). */
  onOutput?: (text: string) => void;
  /** Each snapshot as it is decoded, with the run so far. */
  onSnapshot?: (s: HeapSnapshot, progress: RunProgress) => void;
  /** A budget broken (as it is noticed). */
  onViolation?: (v: BudgetViolation) => void;
  /** Every event the recording gets (start, exception, memory_error, budget, timeout, end…), as it happens. */
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

export interface RunProgress {
  snapshots: number;
  figures: RunFigures;
  peakUsed: number | null;
  minLargestFree: number | null;
}

export interface RunResult {
  scriptName: string;
  snapshots: HeapSnapshot[];
  memoryErrors: MemoryErrorReport[];
  /** The uncaught exception that ended the script, or null. */
  error: PythonErrorInfo | null;
  timedOut: boolean;
  violations: BudgetViolation[];
  exit: RunExit;
  peakUsed: number | null;
  minLargestFree: number | null;
  /** Garbage collections the engine reported (null: it cannot see them, e.g. a board). */
  collections: CollectionTotals | null;
  /** Allocations that found no room even after collecting (null: the engine cannot see them). */
  failedAllocations: number | null;
  /**
   * Why each of them failed, caught or not (the first MAX_FAILURE_SNAPSHOTS), from the heap read
   * at that moment: the failure a script caught is as telling as the one that ended it.
   */
  allocationFailures: MemoryErrorReport[];
  /** Everything the script printed (diagnostics removed). */
  output: string;
  /** Statements run one by one (with step), else 1. */
  units: number;
  elapsedMs: number;
}

interface Unit {
  code: string;
  line: number;
  /** Label of the step snapshot after it (null: no step snapshot). */
  stepLabel: string | null;
}

export async function runScript(engine: Engine, script: string, opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const scriptName = opts.scriptName ?? '<script>';
  const budgets = opts.budgets ?? {};
  const rec = opts.recording ?? null;
  const snapshots: HeapSnapshot[] = [];
  const violations: BudgetViolation[] = [];
  const memoryErrors: MemoryErrorReport[] = [];
  const allocationFailures: MemoryErrorReport[] = [];
  const outputParts: string[] = [];
  let peakUsed: number | null = null;
  let minLargestFree: number | null = null;
  let lastLabel: string | null = null;
  // One path for events, so the recording and a live view (the dashboard) see the same ones.
  const event = (name: string, fields: Record<string, unknown>) => {
    rec?.event(name, fields);
    opts.onEvent?.(name, fields);
  };

  const violated = (v: BudgetViolation) => {
    violations.push(v);
    event('budget', {
      budget: v.budget,
      limit: v.limit,
      value: v.value,
      seq: v.seq,
      message: v.message,
    });
    opts.onViolation?.(v);
  };

  const source = opts.source ?? engine.info.kind;
  const heapEvents = new HeapEventLog(source);
  const collectionBudgetsBroken = new Set<BudgetViolation['budget']>();
  /** Every snapshot of the run, in order: decoded ones and those read at a failed allocation. */
  const addSnapshot = (s: HeapSnapshot) => {
    // The run numbers its snapshots itself: the decoder knows only those it decoded.
    s.seq = snapshots.length;
    snapshots.push(s);
    rec?.snapshot(s);
    if (s.label !== null && s.trigger !== 'memory_error' && s.trigger !== 'alloc_failed') lastLabel = s.label;
    const f = runFigures(s);
    if (f.used !== null) peakUsed = peakUsed === null ? f.used : Math.max(peakUsed, f.used);
    if (f.largestFree !== null)
      minLargestFree = minLargestFree === null ? f.largestFree : Math.min(minLargestFree, f.largestFree);
    for (const v of checkSnapshot(budgets, s, f)) violated(v);
    opts.onSnapshot?.(s, { snapshots: snapshots.length, figures: f, peakUsed, minLargestFree });
  };
  const decoder = createDecoder({
    source,
    blockSize: engine.info.wordSize * 4,
    onOutput: (text) => {
      outputParts.push(text);
      rec?.output(text);
      opts.onOutput?.(text);
    },
    onWarning: (w) => event('warning', { message: w.message, line: w.line }),
    onSnapshot: addSnapshot,
  });
  const onHeapEvent = (e: HeapEvent) => {
    if (e.type === 'alloc_refused') {
      event('alloc_failed', { requested: e.requested, heapLocked: true, seq: null });
      return;
    }
    if (e.type === 'collect') {
      const c = heapEvents.collection(e, snapshots.length - 1);
      if (!c) return;
      event('collect', { ...c });
      // A loop breaks a budget at every collection: the first time is the one worth telling.
      for (const v of checkCollection(budgets, c)) {
        if (collectionBudgetsBroken.has(v.budget)) continue;
        collectionBudgetsBroken.add(v.budget);
        violated(v);
      }
      return;
    }
    const s = heapEvents.failure(e, Date.now());
    event('alloc_failed', { requested: e.requested, ...e.heap, seq: s ? snapshots.length : null });
    if (!s) return;
    const label = lastLabel;
    addSnapshot(s);
    const d = diagnose(e.requested, e.heap.largestFree, e.heap.free, true, e.blockSize);
    allocationFailures.push({
      requested: e.requested,
      largestFree: e.heap.largestFree,
      free: e.heap.free,
      label,
      line: null,
      seq: s.seq,
      ...d,
    });
  };

  const deadline = opts.timeoutMs === undefined ? null : started + opts.timeoutMs;
  const exec = async (code: string): Promise<ExecResult> => {
    const timeoutMs = deadline === null ? undefined : Math.max(0, deadline - Date.now());
    return engine.exec(code, {
      onOutput: (t) => decoder.feed(t),
      onHeapEvent,
      timeoutMs,
      filename: scriptName,
    });
  };
  /** Runs mpheap's own snapshot code; false when the watchdog stopped the engine. */
  const takeSnapshot = async (
    trigger: 'start' | 'end' | 'step' | 'memory_error',
    arg: string | number | null,
  ) => {
    const r = await exec(snapshotCode(trigger, arg));
    if (r.error)
      event('warning', { message: `${trigger} snapshot failed: ${r.error.type}: ${r.error.message}` });
    return !r.timedOut;
  };

  if (engine.provideModule) await engine.provideModule(HELPER_MODULE_NAME, HELPER_MODULE_SOURCE);

  const units: Unit[] = opts.step
    ? splitTopLevel(script).map((s) => ({
        code: codeAtItsLine(s),
        line: s.line,
        stepLabel: `${s.line}: ${s.summary}`,
      }))
    : [{ code: script, line: 1, stepLabel: null }];

  let error: PythonErrorInfo | null = null;
  let timedOut = false;
  let engineStopped = false;
  event('start', { script: scriptName, step: opts.step === true, units: units.length });
  timedOut = !(await takeSnapshot('start', null));

  // A board's heap is fixed and an uncaught MemoryError can leave it too full to run mpheap's own
  // snapshot code: guard the script so the heap is captured at the moment of the error.
  const guard = engine.info.fixedHeap && !engine.info.snapshotsMemoryErrors;
  for (const unit of timedOut ? [] : units) {
    const snapshotsBefore = snapshots.length;
    const guarded = guard ? guardForMemoryError(unit.code) : null;
    const r = await exec(guarded ? guarded.code : unit.code);
    if (guarded && r.error) r.error = unshiftError(r.error, guarded, scriptName);
    if (r.timedOut) {
      timedOut = true;
      break;
    }
    if (r.engineStopped) engineStopped = true;
    if (r.error) {
      error = r.error;
      event('exception', { error: r.error.type, message: r.error.message, line: r.error.line });
      if (r.error.type === 'MemoryError' && !engineStopped) {
        const requested = requestedBytesOf(r.error.message);
        const label = unit.stepLabel ?? lastLabel;
        // The heap at the moment of failure: read by the engine inside the failed allocation
        // (the board-faithful WebAssembly build), or printed by the guard as the error passed
        // (a fixed heap, which cannot run more code when full); otherwise it is taken now.
        const unitSnapshots = snapshots.slice(snapshotsBefore);
        const atFailure =
          unitSnapshots
            .filter((x) => x.trigger === 'alloc_failed' && x.label === `allocating ${requested} bytes`)
            .pop() ??
          unitSnapshots.find((x) => x.trigger === 'memory_error') ??
          null;
        const before = snapshots.length;
        const ok = atFailure !== null || (await takeSnapshot('memory_error', requested));
        const s = atFailure ?? (ok && snapshots.length > before ? snapshots[snapshots.length - 1] : null);
        const f = s ? runFigures(s) : null;
        const d = diagnose(
          requested,
          f?.largestFree ?? null,
          f?.free ?? null,
          engine.info.collectsMidLoop,
          engine.info.wordSize * 4,
        );
        const report: MemoryErrorReport = {
          requested,
          largestFree: f?.largestFree ?? null,
          free: f?.free ?? null,
          label,
          line: r.error.line,
          seq: s ? s.seq : null,
          ...d,
        };
        memoryErrors.push(report);
        // The exception line as Python printed it: what a report heads its MemoryError panel with.
        event('memory_error', { ...report, message: `${r.error.type}: ${r.error.message}` });
        if (budgets.noMemoryError) violated(memoryErrorViolation(requested, r.error.line, scriptName));
        if (!ok) timedOut = true;
      }
      break;
    }
    if (unit.stepLabel !== null && !(await takeSnapshot('step', unit.stepLabel))) {
      timedOut = true;
      break;
    }
  }

  // An engine that stopped can run nothing more: what was captured before it is the run.
  if (engineStopped) event('warning', { message: 'the engine stopped: no end snapshot' });
  else if (!timedOut) timedOut = !(await takeSnapshot('end', null));
  decoder.end();
  if (timedOut) event('timeout', { afterMs: Date.now() - started });

  const memoryErrorIsBudget = error?.type === 'MemoryError' && budgets.noMemoryError === true;
  const exit: RunExit = timedOut
    ? 'timeout'
    : error && !memoryErrorIsBudget
      ? 'exception'
      : violations.length > 0
        ? 'budget'
        : 'ok';
  const collections = engine.info.heapEvents ? heapEvents.totals : null;
  const failedAllocations = collections ? heapEvents.failedAllocations : null;
  event('end', {
    exit,
    snapshots: snapshots.length,
    peakUsed,
    minLargestFree,
    collections,
    failedAllocations,
  });
  return {
    scriptName,
    snapshots,
    memoryErrors,
    error,
    timedOut,
    violations,
    exit,
    peakUsed,
    minLargestFree,
    collections,
    failedAllocations,
    allocationFailures,
    output: outputParts.join(''),
    units: units.length,
    elapsedMs: Date.now() - started,
  };
}
