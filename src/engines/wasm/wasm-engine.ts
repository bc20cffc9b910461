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
 * What differs from a board, and cannot be changed from outside: this build collects garbage
 * only when control returns to JavaScript, between top-level `exec` calls, never inside a loop;
 * and unless `fixed` is set its heap grows by itself (extra areas, `max new split`).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Engine, EngineInfo, ExecOptions, ExecResult, PythonErrorInfo } from '../engine.js';
import { parseTraceback, renameTracebackFile } from '../traceback.js';
import { WORKER_SOURCE } from './worker-source.js';

const PACKAGE = '@micropython/micropython-webassembly-pyscript';
/** How this build names code passed to runPython in tracebacks. */
const CODE_NAME = '<stdin>';

export interface WasmEngineOptions {
  /** Initial GC heap in bytes (`-X heapsize`); default 112 KiB, a typical board. */
  heapSize?: number;
  /** Keep the GC heap at heapSize bytes: refuse the engine's growth, like a board. */
  fixed?: boolean;
  /** Python stack in words (the build's default is 2048). */
  pystack?: number;
}

interface PendingExec {
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
  output: string[];
  onOutput?: (text: string) => void;
  filename: string;
  timer: NodeJS.Timeout | null;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'output'; text: string }
  | { type: 'done'; id: number; error: { type: string; traceback: string } | null };

/** How long the watchdog lets queued output arrive before it terminates the worker. */
const OUTPUT_DRAIN_MS = 50;

export const DEFAULT_WASM_HEAP = 112 * 1024;
/** Smallest heap the build starts with comfortably (its own start-up objects need ~1 KiB). */
export const MIN_WASM_HEAP = 4 * 1024;

export class WasmEngine implements Engine {
  readonly info: EngineInfo;
  private readonly heapSize: number;
  private readonly fixed: boolean;
  private readonly pystack: number;
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
    const version = packageVersion();
    this.info = {
      kind: 'wasm',
      description: `MicroPython${version ? ` ${version}` : ''} (WebAssembly${this.fixed ? ', fixed heap' : ''})`,
      version,
      wordSize: 4,
      heapSize: this.heapSize,
      fixedHeap: this.fixed,
      collectsMidLoop: false,
      // With a fixed heap the worker's guard prints the snapshot when the MemoryError happens.
      snapshotsMemoryErrors: this.fixed,
    };
  }

  async load(): Promise<void> {
    if (this.worker) return;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        moduleUrl: pathToFileURL(createRequire(import.meta.url).resolve(PACKAGE)).href,
        heapSize: this.heapSize,
        pystack: this.pystack,
        fixed: this.fixed,
        // Smaller than any heap the engine accepts, so a new GC area never fits in it.
        reserveBytes: Math.min(2048, MIN_WASM_HEAP / 2),
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
        output: [],
        onOutput: opts.onOutput,
        filename: opts.filename ?? CODE_NAME,
        timer: null,
      };
      if (opts.timeoutMs !== undefined) {
        pending.timer = setTimeout(() => void this.watchdogFired(), Math.max(0, opts.timeoutMs));
      }
      this.pending = pending;
      this.pendingId = id;
      worker.postMessage({ type: 'exec', id, code });
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
      p.output.push(m.text);
      p.onOutput?.(m.text);
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
      p.resolve({ output: p.output.join(''), error, timedOut: false });
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
    p.resolve({ output: p.output.join(''), error: null, timedOut: true });
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

/** The installed build's version (its package.json), e.g. `1.27.0`. */
function packageVersion(): string | null {
  try {
    const pkg = createRequire(import.meta.url)(`${PACKAGE}/package.json`) as { version?: string };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}
