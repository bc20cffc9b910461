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

import { blameFreeSpace } from '../analysis/profile-blame.js';
import { createDecoder } from '../decode/index.js';
import type { Engine, ExecResult, HeapEvent, ProfileLive, PythonErrorInfo } from '../engines/engine.js';
import { HELPER_MODULE_NAME, HELPER_MODULE_SOURCE } from '../engines/python/helper-module.js';
import type { SimInput } from '../engines/shims/index.js';
import { requestedBytesOf } from '../engines/traceback.js';
import type { RecordingWriter } from '../recording/recording.js';
import type { HeapProfile } from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { resultOutput } from '../util/bounded-text.js';
import { BoardProbes } from './board-profile/profiler.js';
import { loadShims, SHIM_MODULE_NAMES, type ShimsInUse } from './board-shims.js';
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
import { KeptSnapshots } from './kept-snapshots.js';
import { guardForMemoryError, unshiftError } from './memory-error-guard.js';
import { buildProfile, snapshotProfileOf } from './profile.js';
import { snapshotCode } from './snapshot-code.js';
import { codeAtItsLine, splitTopLevel } from './split-statements.js';

export type RunExit = 'ok' | 'exception' | 'timeout' | 'budget' | 'interrupted';

export interface RunOptions {
  /** The script's name in messages and tracebacks (e.g. `examples/ring.py`). */
  scriptName?: string;
  /** Run each top-level statement on its own, with a snapshot after each. */
  step?: boolean;
  /** gc.threshold(N) before the script (bytes): also collect after every N bytes allocated. */
  threshold?: number;
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
  /**
   * Aborted: the user interrupted (Ctrl-C). The engine is interrupted (a board gets Ctrl-C and is
   * left at its prompt; the embedded engine's worker is stopped), nothing more runs, and the run
   * ends with what it captured up to then, exit `interrupted`.
   */
  signal?: AbortSignal;
  /** Every event the recording gets (start, exception, memory_error, budget, timeout, end…), as it happens. */
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
  /**
   * Profile the heap by source line (an engine that can: Engine.profile). The script's source
   * names the functions; these modules' allocations are shown apart from the script's.
   */
  profile?: object;
  /**
   * Board shims (the embedded engine): those the script imports are loaded before the start
   * snapshot and measured apart from the script (run/board-shims.ts); `simInput` scripts what
   * their pins, sensors and network read.
   */
  shims?: { simInput?: SimInput | null };
}

export interface RunProgress {
  snapshots: number;
  figures: RunFigures;
  peakUsed: number | null;
  minLargestFree: number | null;
}

export interface RunResult {
  scriptName: string;
  /**
   * The snapshots kept (kept-snapshots.ts): all of a run's up to 1,000, else the first and last
   * 500 and every start, end, failed allocation and MemoryError one. The recording has all.
   */
  snapshots: HeapSnapshot[];
  /** Snapshots taken in all, and how many of them `snapshots` left out. */
  snapshotsTaken: number;
  snapshotsLeftOut: number;
  /** Bytes used over the whole run, downsampled (each point the highest it stands for). */
  usedOverTime: (number | null)[];
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
  /**
   * What the script printed (diagnostics removed): all of it up to 2 MiB, else the first and
   * last MiB with a note between (resultOutput); the recording and onOutput get it all as it comes.
   */
  output: string;
  /** Statements run one by one (with step), else 1. */
  units: number;
  elapsedMs: number;
  /** With RunOptions.profile: the heap by source line; null when the engine cannot profile. */
  profile: HeapProfile | null;
  /** The board shims loaded for the script and the heap they hold (null: none). */
  shims: ShimsInUse | null;
  /** With RunOptions.profile and no profile: why, in words (`no profile: …`). */
  profileProblem?: string | null;
}

const USES_HELPER = new RegExp(`^\\s*(import|from)\\s+${HELPER_MODULE_NAME}\\b`, 'm');

/** mpheap's own modules on an engine: its helper, and the guard the fixed WebAssembly heap runs code through. */
const MPHEAP_MODULES: ReadonlySet<string> = new Set([HELPER_MODULE_NAME, '_mpheap_guard']);

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
  const snapshots = new KeptSnapshots();
  const violations: BudgetViolation[] = [];
  const memoryErrors: MemoryErrorReport[] = [];
  const allocationFailures: MemoryErrorReport[] = [];
  const output = resultOutput();
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
  // A profiling engine says what is alive as each snapshot's marker is printed: it goes with the
  // next snapshot decoded.
  let liveForNextSnapshot: ProfileLive | null = null;
  /** Every snapshot of the run, in order: decoded ones and those read at a failed allocation. */
  const addSnapshot = (s: HeapSnapshot, live: ProfileLive | null = null) => {
    const profileLive = live ?? (s.trigger !== 'mem_info' ? liveForNextSnapshot : null);
    if (!live && s.trigger !== 'mem_info') liveForNextSnapshot = null;
    if (profileLive) s.profile = snapshotProfileOf(profileLive, s);
    // The run numbers its snapshots itself: the decoder knows only those it decoded.
    s.seq = snapshots.total;
    rec?.snapshot(s);
    if (s.label !== null && s.trigger !== 'memory_error' && s.trigger !== 'alloc_failed') lastLabel = s.label;
    const f = runFigures(s);
    snapshots.add(s, f.used);
    if (f.used !== null) peakUsed = peakUsed === null ? f.used : Math.max(peakUsed, f.used);
    if (f.largestFree !== null)
      minLargestFree = minLargestFree === null ? f.largestFree : Math.min(minLargestFree, f.largestFree);
    for (const v of checkSnapshot(budgets, s, f)) violated(v);
    opts.onSnapshot?.(s, { snapshots: snapshots.total, figures: f, peakUsed, minLargestFree });
  };
  const decoder = createDecoder({
    source,
    blockSize: engine.info.wordSize * 4,
    onOutput: (text) => {
      output.add(text);
      rec?.output(text);
      opts.onOutput?.(text);
    },
    onWarning: (w) => event('warning', { message: w.message, line: w.line }),
    onSnapshot: (s) => addSnapshot(s),
  });
  const onHeapEvent = (e: HeapEvent) => {
    if (e.type === 'profile_live') {
      liveForNextSnapshot = e.live;
      return;
    }
    if (e.type === 'alloc_refused') {
      event('alloc_failed', { requested: e.requested, heapLocked: true, seq: null });
      return;
    }
    if (e.type === 'collect') {
      const c = heapEvents.collection(e, snapshots.total - 1);
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
    event('alloc_failed', { requested: e.requested, ...e.heap, seq: s ? snapshots.total : null });
    if (!s) return;
    const label = lastLabel;
    addSnapshot(s, e.live ?? null);
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
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    event('interrupted', {});
    engine.interrupt().catch(() => {
      // Stopping is best effort: an engine already gone has nothing left to stop.
    });
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  // An engine that cannot see each allocation (a board) is profiled by probes between statements;
  // they print their table as the script ends, kept out of its output.
  let probes: BoardProbes | null = null;
  /** Runs code on the engine: the script's, or (`own`) mpheap's, which a profile keeps apart. */
  const exec = async (code: string, own: boolean | 'shims' = false): Promise<ExecResult> => {
    const timeoutMs = deadline === null ? undefined : Math.max(0, deadline - Date.now());
    if (interrupted) return { output: '', error: null, timedOut: false };
    const probed = own ? null : probes;
    return engine
      .exec(code, {
        onOutput: (t) => decoder.feed(probed ? probed.catchOutput(t) : t),
        onHeapEvent,
        timeoutMs,
        filename: scriptName,
        own,
      })
      .catch((e: unknown) => {
        // Interrupting the embedded engine stops its worker under the exec.
        if (interrupted) return { output: '', error: null, timedOut: false };
        throw e;
      });
  };
  /** Runs mpheap's own snapshot code; false when the watchdog stopped the engine. */
  const takeSnapshot = async (
    trigger: 'start' | 'end' | 'step' | 'memory_error',
    arg: string | number | null,
  ) => {
    const r = await exec(
      snapshotCode(trigger, arg, trigger === 'start' && engine.info.collectBeforeStart === true),
      true,
    );
    if (r.error) {
      const message = `mpheap's ${trigger} snapshot could not run: ${r.error.type}: ${r.error.message}`;
      event('warning', { message });
      // A run whose own snapshot failed (a heap too full to compile it, say) did not go well.
      snapshotFailure ??= { type: 'SnapshotFailed', message, traceback: r.error.traceback, line: null };
    }
    return !r.timedOut;
  };
  let snapshotFailure: PythonErrorInfo | null = null;

  if (engine.provideModule) await engine.provideModule(HELPER_MODULE_NAME, HELPER_MODULE_SOURCE);
  // What mpheap itself keeps in the heap (a board measures it): in every snapshot, not the script's.
  if (typeof engine.info.mpheapBytes === 'number') event('mpheap_heap', { bytes: engine.info.mpheapBytes });
  // The embedded engine compiles the helper from its file at the script's `import mpheap`; a board
  // has it defined (compiled) before the script runs. So a script that uses it gets it imported
  // before the start snapshot: its compiling and its objects are mpheap's, not the script's.
  if (engine.provideModule && engine.info.kind === 'wasm' && USES_HELPER.test(script)) {
    const r = await exec(`import ${HELPER_MODULE_NAME}\n`, true);
    if (r.error) event('warning', { message: `import ${HELPER_MODULE_NAME} failed: ${r.error.message}` });
  }

  const shims = opts.shims
    ? await loadShims(engine, script, opts.shims.simInput ?? null, exec)
    : { used: null, startCode: '', error: null };
  if (shims.used) event('shims', { ...shims.used });

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
  if (opts.threshold !== undefined) {
    const r = await exec(`__import__('gc').threshold(${Math.floor(opts.threshold)})\n`, true);
    if (r.error) event('warning', { message: `gc.threshold(${opts.threshold}) failed: ${r.error.message}` });
  }
  let profileProblem: string | null = null;
  if (opts.profile && !engine.profile && !timedOut && !interrupted) {
    try {
      probes = await BoardProbes.prepare(engine, script, { scriptName, units: units.map((u) => u.code) });
    } catch (e) {
      profileProblem = `no profile: ${(e as Error).message}`;
    }
  }
  timedOut = !(await takeSnapshot('start', null));
  if (shims.error) {
    // The shims did not load (a heap too small for them): the script cannot run.
    error = { ...shims.error, message: `board shims could not be loaded: ${shims.error.message}` };
    event('exception', { error: error.type, message: error.message, line: null });
  } else if (shims.startCode && !timedOut) {
    const r = await exec(shims.startCode, 'shims');
    timedOut = r.timedOut;
  }

  // A board's heap is fixed and an uncaught MemoryError can leave it too full to run mpheap's own
  // snapshot code: guard the script so the heap is captured at the moment of the error.
  const guard = engine.info.fixedHeap && !engine.info.snapshotsMemoryErrors;
  for (const [index, unit] of (timedOut || error ? [] : units).entries()) {
    const snapshotsBefore = snapshots.total;
    const code = probes ? probes.units[index].code : unit.code;
    const guarded = guard ? guardForMemoryError(code, probes?.closing) : null;
    const r = await exec(guarded ? guarded.code : probes ? `${code}\n${probes.closing}\n` : code);
    if (probes) decoder.feed(probes.flushOutput());
    if (guarded && r.error) r.error = unshiftError(r.error, guarded, scriptName);
    if (probes && r.error) r.error = probes.scriptError(index, r.error, scriptName);
    // Stopped by the user: a board reports the KeyboardInterrupt its Ctrl-C raised; that is not
    // the script's own exception.
    if (interrupted) break;
    if (r.timedOut) {
      timedOut = true;
      break;
    }
    if (r.engineStopped) engineStopped = true;
    if (r.error?.type === 'SystemExit') {
      // sys.exit(), or a shim's machine.reset()/deepsleep() ("a board restarts here"): the
      // script ends there, as main.py does on a board; that is not a failure.
      event('system_exit', { message: r.error.message, line: r.error.line });
      break;
    }
    if (r.error) {
      error = r.error;
      event('exception', { error: r.error.type, message: r.error.message, line: r.error.line });
      if (r.error.type === 'MemoryError' && !engineStopped) {
        const requested = requestedBytesOf(r.error.message);
        const label = unit.stepLabel ?? lastLabel;
        // The heap at the moment of failure: read by the engine inside the failed allocation
        // (the board-faithful WebAssembly build), or printed by the guard as the error passed
        // (a fixed heap, which cannot run more code when full); otherwise it is taken now.
        const unitSnapshots = snapshots.since(snapshotsBefore);
        const atFailure =
          unitSnapshots
            .filter((x) => x.trigger === 'alloc_failed' && x.label === `allocating ${requested} bytes`)
            .pop() ??
          unitSnapshots.find((x) => x.trigger === 'memory_error') ??
          null;
        const before = snapshots.total;
        const ok = atFailure !== null || (await takeSnapshot('memory_error', requested));
        const s = atFailure ?? (ok && snapshots.total > before ? (snapshots.latest() ?? null) : null);
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
  else if (!timedOut && !interrupted) timedOut = !(await takeSnapshot('end', null));
  opts.signal?.removeEventListener('abort', onAbort);
  decoder.end();
  if (timedOut) event('timeout', { afterMs: Date.now() - started });
  error ??= snapshotFailure;

  let profile: HeapProfile | null = null;
  if (opts.profile) {
    try {
      // A board's probes print their table however the script ends (the watchdog's or the
      // user's Ctrl-C included): the profile of what ran up to then.
      const stopped = timedOut || interrupted || engineStopped;
      profile =
        stopped && !probes?.tableCaught
          ? null
          : probes
            ? await probes.finish(engine)
            : await profileOfRun(engine, script, scriptName, SHIM_MODULE_NAMES);
    } catch (e) {
      profileProblem = `no profile: ${(e as Error).message}`;
    }
    if (profile === null) {
      profileProblem ??= profileMissing(engine, timedOut, interrupted, engineStopped);
      event('warning', { message: profileProblem });
    } else profileProblem = null;
  }
  if (profile) {
    // Each MemoryError (caught or not) on a fragmented heap: the lines whose blocks split it.
    for (const report of [...memoryErrors, ...allocationFailures]) {
      const s = report.seq === null ? undefined : snapshots.bySeq(report.seq);
      if (s?.profile && report.cause === 'fragmented' && report.requested !== null)
        report.blame = blameFreeSpace(s, profile, report.requested);
    }
    event('profile', { profile });
  }

  const memoryErrorIsBudget = error?.type === 'MemoryError' && budgets.noMemoryError === true;
  const exit: RunExit = interrupted
    ? 'interrupted'
    : timedOut
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
    snapshots: snapshots.total,
    peakUsed,
    minLargestFree,
    collections,
    failedAllocations,
  });
  return {
    scriptName,
    snapshots: snapshots.list(),
    snapshotsTaken: snapshots.total,
    snapshotsLeftOut: snapshots.leftOut,
    usedOverTime: snapshots.usedOverTime(),
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
    output: output.text(),
    units: units.length,
    elapsedMs: Date.now() - started,
    profile,
    shims: shims.used,
    profileProblem,
  };
}

async function profileOfRun(
  engine: Engine,
  source: string,
  scriptName: string,
  shimModules: ReadonlySet<string> = new Set(),
): Promise<HeapProfile | null> {
  const p = engine.profile ? await engine.profile() : null;
  return p ? buildProfile(p, { scriptName, source, shimModules, mpheapModules: MPHEAP_MODULES }) : null;
}

function profileMissing(engine: Engine, timedOut: boolean, interrupted: boolean, stopped: boolean): string {
  if (timedOut) return 'no profile: the script was stopped by the watchdog';
  if (interrupted) return 'no profile: the run was interrupted';
  if (stopped) return 'no profile: the engine stopped';
  return `no profile: ${engine.info.description} cannot see each allocation`;
}
