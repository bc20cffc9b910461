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
  /** False when collection happens only between top-level calls (the WebAssembly engine). */
  collectsMidLoop: boolean;
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

export interface ExecOptions {
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
