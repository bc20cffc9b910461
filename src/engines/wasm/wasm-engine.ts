/**
 * The embedded engine: the official MicroPython WebAssembly build
 * (`@micropython/micropython-webassembly-pyscript`, MicroPython 1.27, 32-bit, 16-byte blocks),
 * one instance in its own worker thread.
 *
 * Why a worker: instances in one thread share `globalThis.Module` and break each other, and a
 * script that never returns (`while True: pass`, or `micropython.heap_lock()` then `raise`, which
 * spins forever in this build) can only be stopped by terminating the thread it runs on. The
 * watchdog does exactly that; the interpreter's state is lost with it, so `interrupt()` and
 * `reset()` start a fresh worker.
 *
 * Collection: the official build collects garbage only when control returns to JavaScript,
 * between top-level `exec` calls, never inside a loop. By default the engine runs the
 * board-faithful build instead (board-gc/: the same build, transformed once and cached), in
 * which gc.c collects where it does on a board: inside gc_alloc when the heap is full, at
 * gc.threshold, on gc.collect() anywhere. Each collection and each failed allocation reaches
 * the host as a heap event (ExecOptions.onHeapEvent). When that build cannot be made, the engine
 * says so (info.warnings) and runs the official build, unless `collector: 'board'` insists.
 *
 * Unless `fixed` is set the heap grows by itself (extra areas, `max new split`): with the
 * board-faithful build it grows as esp32's split heap does, only when a collection did not make
 * room.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type BoundedText, resultOutput } from '../../util/bounded-text.js';
import type {
  Engine,
  EngineInfo,
  EngineProfile,
  ExecOptions,
  ExecResult,
  HeapEvent,
  ProfileLive,
  PythonErrorInfo,
} from '../engine.js';
import { parseTraceback, renameTracebackFile } from '../traceback.js';
import { type BoardGcBuild, boardGcBuild } from './board-gc/cache.js';
import type { TransformStep } from './board-gc/transform.js';
import type { HeapAreaMap, HeapCounts } from './heap-reader.js';
import type { ProfileExport } from './profiler.js';
import { WORKER_SOURCE } from './worker-source.js';

const PACKAGE = '@micropython/micropython-webassembly-pyscript';
/** How this build names code passed to runPython in tracebacks. */
const CODE_NAME = '<stdin>';

export interface WasmEngineOptions {
  /** Initial GC heap in bytes (`-X heapsize`); default 112 KiB, a typical board. */
  heapSize?: number;
  /** Keep the GC heap at heapSize bytes: refuse the engine's growth, like a board. */
  fixed?: boolean;
  /**
   * Without `fixed`: how many bytes the heap may add in areas (esp32's split heap, bounded by its
   * IDF heap); `max new split` says the same. Default: no limit but the build's 128 MiB.
   */
  growLimit?: number;
  /** Python stack in words (the build's default is 2048). */
  pystack?: number;
  /**
   * `board` (default): the board-faithful build, falling back to the official one with a
   * warning when it cannot be made; `board-only`: the board-faithful build or an error;
   * `top-level`: the official build, which collects only between top-level calls.
   */
  collector?: 'board' | 'board-only' | 'top-level';
  /** Collect at every allocation (gc.threshold(0)): the soundness torture test. */
  collectEveryAllocation?: boolean;
  /** Where the board-faithful build is cached (default: board-gc/cache.ts). */
  cacheDir?: string;
  /** The binary to transform (default: the package's micropython.wasm); tests give another. */
  boardGcInput?: string;
  /** Told of each step while the board-faithful build is made (only the first time). */
  onBuildStep?: (step: TransformStep) => void;
  /**
   * Profile every allocation (profiler.ts): where it was made, and which are alive at each
   * snapshot. Needs the board-faithful build.
   */
  profile?: boolean;
}

/** Thrown by load() when the board-faithful build was required and could not be made. */
export class BoardBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoardBuildError';
  }
}

interface PendingExec {
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
  output: BoundedText;
  onOutput?: (text: string) => void;
  filename: string;
  timer: NodeJS.Timeout | null;
  onHeapEvent?: (e: HeapEvent) => void;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'output'; text: string }
  | { type: 'done'; id: number; error: { type: string; traceback: string } | null; stopped?: boolean }
  | { type: 'collect'; before: HeapCounts; after: HeapCounts; ms: number }
  | {
      type: 'alloc_failed';
      bytes: number;
      locked: false;
      counts: HeapCounts;
      areas: HeapAreaMap[];
      live: ProfileLive | null;
    }
  | { type: 'alloc_failed'; bytes: number; locked: true; counts: null; areas: [] }
  | { type: 'heap'; id: number; areas: HeapAreaMap[] }
  | { type: 'profile_live'; live: ProfileLive }
  | {
      type: 'profile';
      id: number;
      profile: ProfileExport | null;
      modules: string | null;
      error: string | null;
    };

/** gc.c's block size in this 32-bit build. */
const BLOCK = 16;

/** How long the watchdog lets queued output arrive before it terminates the worker. */
const OUTPUT_DRAIN_MS = 50;

export const DEFAULT_WASM_HEAP = 112 * 1024;
/** Smallest heap the build starts with comfortably (its own start-up objects need ~1 KiB). */
export const MIN_WASM_HEAP = 4 * 1024;

export class WasmEngine implements Engine {
  info: EngineInfo;
  private readonly heapSize: number;
  private readonly fixed: boolean;
  private readonly pystack: number;
  private readonly opts: WasmEngineOptions;
  /** The board-faithful build in use, once load() made or found it; null: the official build. */
  private build: BoardGcBuild | null = null;
  private buildTried = false;
  private worker: Worker | null = null;
  private pending: PendingExec | null = null;
  /** The id of the exec in `pending`: a late answer to an earlier one is never misread. */
  private pendingId = 0;
  private nextId = 1;
  /** Modules to write into each fresh instance's file system (the helper module). */
  private readonly modules = new Map<string, string>();

  constructor(opts: WasmEngineOptions = {}) {
    this.heapSize = opts.heapSize ?? DEFAULT_WASM_HEAP;
    if (!Number.isInteger(this.heapSize) || this.heapSize < MIN_WASM_HEAP)
      throw new RangeError(`heap size ${this.heapSize} is too small (at least ${MIN_WASM_HEAP} bytes)`);
    this.fixed = opts.fixed ?? false;
    this.pystack = opts.pystack ?? 2048;
    this.opts = opts;
    this.info = this.describe(opts.collector !== 'top-level', []);
  }

  private describe(board: boolean, warnings: string[]): EngineInfo {
    const version = packageVersion();
    const how = [board ? 'collects like a board' : 'collects between top-level statements only'];
    if (this.fixed) how.push('fixed heap');
    return {
      kind: 'wasm',
      description: `MicroPython${version ? ` ${version}` : ''} (WebAssembly, ${how.join(', ')})`,
      version,
      wordSize: 4,
      heapSize: this.heapSize,
      fixedHeap: this.fixed,
      collectsMidLoop: board,
      heapEvents: board,
      // With a fixed or limited heap the worker's guard prints the snapshot when the MemoryError happens.
      snapshotsMemoryErrors: this.fixed || this.opts.growLimit !== undefined,
      ...(warnings.length ? { warnings } : {}),
    };
  }

  /** Finds or makes the board-faithful build, once; on failure falls back or throws. */
  private async prepareBuild(): Promise<void> {
    if (this.buildTried) return;
    this.buildTried = true;
    if (this.opts.collector === 'top-level') return;
    const wasm =
      this.opts.boardGcInput ?? createRequire(import.meta.url).resolve(`${PACKAGE}/micropython.wasm`);
    try {
      this.build = await boardGcBuild(wasm, { cacheDir: this.opts.cacheDir, onStep: this.opts.onBuildStep });
      const warnings = this.build.verified
        ? []
        : [
            `${PACKAGE} ${packageVersion() ?? '?'} is not a build mpheap has verified; ` +
              'it was made to collect like a board, but only 1.27.0 passed the soundness tests',
          ];
      this.info = this.describe(true, warnings);
    } catch (e) {
      const why = `cannot make ${PACKAGE} ${packageVersion() ?? '?'} collect like a board: ${(e as Error).message}`;
      if (this.opts.collector === 'board-only') throw new BoardBuildError(why);
      this.info = this.describe(false, [
        `${why}; running the official build, which collects only between top-level statements ` +
          '(garbage made inside a loop or a function stays until then)',
      ]);
    }
  }

  async load(): Promise<void> {
    if (this.worker) return;
    await this.prepareBuild();
    const build = this.build;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        moduleUrl: pathToFileURL(createRequire(import.meta.url).resolve(PACKAGE)).href,
        wasmUrl: build ? pathToFileURL(build.wasmPath).href : null,
        board: build
          ? { layout: build.layout, collectEveryAllocation: this.opts.collectEveryAllocation === true }
          : null,
        heapSize: this.heapSize,
        pystack: this.pystack,
        fixed: this.fixed,
        growLimit: this.fixed ? null : (this.opts.growLimit ?? null),
        // Smaller than any heap the engine accepts, so a new GC area never fits in it.
        reserveBytes: Math.min(2048, MIN_WASM_HEAP / 2),
        profile: this.opts.profile === true,
      },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'ready') {
          cleanup();
          resolve();
        } else if (m.type === 'failed') {
          cleanup();
          reject(new Error(`MicroPython WebAssembly failed to start: ${m.message}`));
        }
      };
      const onError = (e: Error) => {
        cleanup();
        reject(new Error(`MicroPython WebAssembly failed to start: ${e.message}`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
    }).catch(async (e: unknown) => {
      await worker.terminate();
      throw e;
    });
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    worker.on('error', (e: Error) =>
      this.failPending(new Error(`MicroPython WebAssembly crashed: ${e.message}`)),
    );
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
      this.failPending(new Error('MicroPython WebAssembly worker exited'));
    });
    this.worker = worker;
    for (const [name, source] of this.modules) this.writeModule(name, source);
  }

  exec(code: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('engine not loaded (call load() or reset())'));
    if (this.pending) return Promise.reject(new Error('engine busy: one exec at a time'));
    const id = this.nextId++;
    return new Promise<ExecResult>((resolve, reject) => {
      const pending: PendingExec = {
        resolve,
        reject,
        output: resultOutput(),
        onOutput: opts.onOutput,
        filename: opts.filename ?? CODE_NAME,
        timer: null,
        onHeapEvent: opts.onHeapEvent,
      };
      if (opts.timeoutMs !== undefined) {
        pending.timer = setTimeout(() => void this.watchdogFired(), Math.max(0, opts.timeoutMs));
      }
      this.pending = pending;
      this.pendingId = id;
      worker.postMessage({
        type: 'exec',
        id,
        code,
        profileAs: opts.own === 'shims' ? 'shims' : opts.own ? 'mpheap' : 'script',
      });
    });
  }

  /** Stops whatever runs by terminating the worker, then starts a fresh one. */
  async interrupt(): Promise<void> {
    await this.stopWorker();
    await this.load();
  }

  async reset(): Promise<void> {
    await this.stopWorker();
    await this.load();
  }

  async close(): Promise<void> {
    await this.stopWorker();
  }

  /**
   * Each heap area's block map read from the engine's memory now, between execs (the
   * board-faithful build only): what `mem_info(1)` would print, without running Python.
   */
  readHeap(): Promise<HeapAreaMap[]> {
    const worker = this.worker;
    if (!worker || !this.build)
      return Promise.reject(new Error('readHeap needs the board-faithful build, loaded'));
    if (this.pending) return Promise.reject(new Error('engine busy: one exec at a time'));
    return this.ask(worker, 'read_heap', 'heap').then((m) => m.areas);
  }

  /** The allocation profile so far (opts.profile with the board-faithful build), else null. */
  async profile(): Promise<EngineProfile | null> {
    const worker = this.worker;
    if (!worker || !this.build || this.opts.profile !== true) return null;
    if (this.pending) throw new Error('engine busy: one exec at a time');
    const m = await this.ask(worker, 'profile_export', 'profile');
    if (m.error) throw new Error(`the profiler stopped: ${m.error}`);
    if (!m.profile) return null;
    return { ...m.profile, modules: parseModuleList(m.modules), blockSize: BLOCK };
  }

  /**
   * One question to the worker between execs (`request`) and its answer (the message of type
   * `answer` with the same id); rejected if the worker exits first.
   */
  private ask<T extends 'heap' | 'profile'>(
    worker: Worker,
    request: 'read_heap' | 'profile_export',
    answer: T,
  ): Promise<Extract<WorkerMessage, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type !== answer || (m as { id?: number }).id !== id) return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve(m as Extract<WorkerMessage, { type: T }>);
      };
      const onExit = () => {
        worker.off('message', onMessage);
        reject(new Error('MicroPython WebAssembly worker exited'));
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage({ type: request, id });
    });
  }

  async provideModule(name: string, source: string): Promise<void> {
    this.modules.set(name, source);
    if (this.worker) this.writeModule(name, source);
  }

  private writeModule(name: string, source: string): void {
    this.worker?.postMessage({ type: 'file', path: `/${name}.py`, text: source });
  }

  private onMessage(m: WorkerMessage): void {
    const p = this.pending;
    if (m.type === 'output') {
      if (!p) return;
      p.output.add(m.text);
      p.onOutput?.(m.text);
    } else if (m.type === 'collect') {
      p?.onHeapEvent?.({
        type: 'collect',
        before: heapFigures(m.before),
        after: heapFigures(m.after),
        ms: m.ms,
      });
    } else if (m.type === 'alloc_failed' && m.locked) {
      p?.onHeapEvent?.({ type: 'alloc_refused', requested: m.bytes });
    } else if (m.type === 'alloc_failed') {
      p?.onHeapEvent?.({
        type: 'alloc_failed',
        requested: m.bytes,
        heap: heapFigures(m.counts),
        areas: m.areas.map((a) => ({ base: a.base, map: a.map })),
        blockSize: BLOCK,
        ...(m.live ? { live: m.live } : {}),
      });
    } else if (m.type === 'profile_live') {
      p?.onHeapEvent?.({ type: 'profile_live', live: m.live });
    } else if (m.type === 'done' && p && m.id === this.pendingId) {
      this.settle();
      let error: PythonErrorInfo | null = null;
      if (m.error) {
        const traceback =
          p.filename === CODE_NAME
            ? m.error.traceback
            : renameTracebackFile(m.error.traceback, CODE_NAME, p.filename);
        error = parseTraceback(traceback, m.error.type, p.filename);
      }
      if (m.stopped) {
        // The worker ends itself after a fatal stop; the next load() starts a fresh one.
        const w = this.worker;
        this.worker = null;
        w?.removeAllListeners('exit');
        p.resolve({ output: p.output.text(), error, timedOut: false, engineStopped: true });
        return;
      }
      p.resolve({ output: p.output.text(), error, timedOut: false });
    }
  }

  private async watchdogFired(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    // Output the thread posted before it was stopped is already queued: let it arrive, then stop.
    await new Promise((r) => setTimeout(r, OUTPUT_DRAIN_MS));
    if (this.pending !== p) return; // it finished meanwhile
    this.settle();
    await this.stopWorker();
    p.resolve({ output: p.output.text(), error: null, timedOut: true });
  }

  private settle(): void {
    if (this.pending?.timer) clearTimeout(this.pending.timer);
    this.pending = null;
  }

  private failPending(e: Error): void {
    const p = this.pending;
    if (!p) return;
    this.settle();
    p.reject(e);
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
    this.failPending(new Error('engine stopped'));
  }
}

function heapFigures(c: HeapCounts) {
  return {
    used: c.used * BLOCK,
    free: c.free * BLOCK,
    total: c.total * BLOCK,
    largestFree: c.largestFree * BLOCK,
  };
}

/** `[(123,'sys'),(456,'machine')]`, as the worker's query prints it, to names by address. */
function parseModuleList(text: string | null): Record<number, string> {
  const names: Record<number, string> = {};
  if (!text) return names;
  for (const m of text.matchAll(/\((\d+),'([^']*)'\)/g)) names[Number(m[1])] = m[2];
  return names;
}

/** The installed build's version (its package.json), e.g. `1.27.0`. */
function packageVersion(): string | null {
  try {
    const pkg = createRequire(import.meta.url)(`${PACKAGE}/package.json`) as { version?: string };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}
