/**
 * What every way of running MicroPython offers mpheap: the embedded WebAssembly engine, a real
 * board over serial, the emulated micro:bit. `mpheap run` is written against this alone.
 */

export interface EngineInfo {
  /** `wasm`, `serial`, `microbit`, … */
  kind: string;
  /** Human description, e.g. `MicroPython 1.27.0 (WebAssembly)` or `/dev/ttyACM0`. */
  description: string;
  /** MicroPython version when known (e.g. `1.27.0`). */
  version: string | null;
  /** 4 or 8: decides the block size (16 or 32 bytes). */
  wordSize: 4 | 8;
  /** GC heap bytes when known. */
  heapSize: number | null;
  /** False when the heap grows by itself (the WebAssembly engine without --fixed). */
  fixedHeap: boolean;
  /**
   * True when garbage is collected where a board's gc.c collects it (inside an allocation that
   * finds no room, at gc.threshold, on gc.collect() anywhere); false when only between top-level
   * calls (the official WebAssembly build as it is).
   */
  collectsMidLoop: boolean;
  /** True when exec reports heap events (ExecOptions.onHeapEvent): collections, failed allocations. */
  heapEvents?: boolean;
  /** What the user should know about how this engine differs from what was asked for. */
  warnings?: string[];
  /**
   * True when the engine itself prints a `memory_error` snapshot at the moment of an uncaught
   * MemoryError (the fixed WebAssembly heap does); otherwise `mpheap run` guards the script so
   * that a full fixed heap is still captured (src/run/memory-error-guard.ts).
   */
  snapshotsMemoryErrors?: boolean;
}

export interface PythonErrorInfo {
  /** Exception type name, e.g. `MemoryError`, `SyntaxError`. */
  type: string;
  /** The exception message (last line of the traceback without the type). */
  message: string;
  /** The whole traceback text as MicroPython printed it. */
  traceback: string;
  /** Line in the user's script where it was raised, when the traceback says. */
  line: number | null;
}

/** Figures of the whole heap (all areas), in bytes. */
export interface HeapEventFigures {
  used: number;
  free: number;
  total: number;
  /** The longest run of free blocks within one area. */
  largestFree: number;
}

/**
 * What an engine that can see its own heap reports while code runs (the board-faithful
 * WebAssembly build): each garbage collection, and each allocation that found no room even
 * after collecting, with the heap's map at that moment.
 */
export type HeapEvent =
  | { type: 'collect'; before: HeapEventFigures; after: HeapEventFigures; ms: number }
  | {
      type: 'alloc_failed';
      requested: number;
      heap: HeapEventFigures;
      /** Each area's block map (map characters, as mem_info(1) prints them). */
      areas: { base: string; map: Uint8Array }[];
      blockSize: number;
    }
  /** An allocation refused because the heap is locked (micropython.heap_lock()), room or not. */
  | { type: 'alloc_refused'; requested: number };

export interface ExecOptions {
  /** Heap events while the code runs, in order with its output. */
  onHeapEvent?: (e: HeapEvent) => void;
  /** Program output as it arrives (stdout and stderr interleaved as the engine delivers them). */
  onOutput?: (text: string) => void;
  /** Stop the code after this long (the engine is interrupted or terminated). */
  timeoutMs?: number;
  /** Name used for the code in tracebacks (default `<stdin>`). */
  filename?: string;
}

export interface ExecResult {
  /** Everything the code printed. */
  output: string;
  /** The uncaught exception, or null. */
  error: PythonErrorInfo | null;
  /** True when the watchdog stopped it. */
  timedOut: boolean;
  /**
   * True when the interpreter stopped and can run nothing more (MicroPython's fatal paths:
   * an exception nothing could catch); the next load() or reset() starts a fresh one.
   */
  engineStopped?: boolean;
}

export interface Engine {
  readonly info: EngineInfo;
  /** Start the engine or connect to the board; resolves when it accepts code. */
  load(): Promise<void>;
  /** Run code as one unit (one raw-REPL exec, one runPython call). */
  exec(code: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Stop what is running (Ctrl-C on a board; terminate-and-reload for the worker). */
  interrupt(): Promise<void>;
  /** Fresh interpreter state (soft reset). */
  reset(): Promise<void>;
  /**
   * Makes `import <name>` work for the code run next, with this Python source (mpheap's helper
   * module). Optional: an engine without it leaves the script to bring its own copy.
   */
  provideModule?(name: string, source: string): Promise<void>;
  close(): Promise<void>;
}
