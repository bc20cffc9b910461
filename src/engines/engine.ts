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
  /**
   * Heap bytes mpheap's own code keeps while the script runs, measured on the engine (live after
   * a collection, before the script): its helper module on a board. Every snapshot includes them;
   * they are not the script's. Undefined or null: not measured.
   */
  mpheapBytes?: number | null;
  /**
   * True when the engine's setup (identifying a board, defining the helper) leaves garbage that
   * is nobody's: the start snapshot collects it first, so the heap the script starts with shows
   * only what is live. (An engine that reports collections would count that one as the run's.)
   */
  collectBeforeStart?: boolean;
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
      /** With a profiling engine: which allocations were alive then. */
      live?: ProfileLive;
    }
  /** An allocation refused because the heap is locked (micropython.heap_lock()), room or not. */
  | { type: 'alloc_refused'; requested: number }
  /**
   * A profiling engine's live allocations at the moment a snapshot's marker was printed: they
   * belong to the next snapshot decoded from the output (or, for alloc_failed, to that event).
   */
  | { type: 'profile_live'; live: ProfileLive };

/**
 * Which allocations are alive, by profile site (indexes into the sites of the profile the
 * engine exports at the end): counts and bytes per site, and for each heap area the site of the
 * allocation that starts at each block (-1: none known).
 */
export interface ProfileLive {
  alive: [site: number, count: number, bytes: number][];
  owners: { base: number; sites: Int32Array }[];
}

export interface ExecOptions {
  /** Heap events while the code runs, in order with its output. */
  onHeapEvent?: (e: HeapEvent) => void;
  /** Program output as it arrives (stdout and stderr interleaved as the engine delivers them). */
  onOutput?: (text: string) => void;
  /** Stop the code after this long (the engine is interrupted or terminated). */
  timeoutMs?: number;
  /** Name used for the code in tracebacks (default `<stdin>`). */
  filename?: string;
  /**
   * mpheap's own code (a snapshot), not the script's: an engine may run it more lightly, and an
   * engine that profiles allocations keeps what it allocates apart from the script's. `shims`:
   * mpheap loading the board shims (engines/shims/), kept apart as theirs.
   */
  own?: boolean | 'shims';
}

export interface ExecResult {
  /** What the code printed: all of it up to 2 MiB, else the first and last MiB (resultOutput). */
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

/**
 * Where allocations were made: each site a stack of frames outermost first, each a code context
 * (by index into `contexts`) and a source line. Reported by an engine that sees every
 * allocation (the board-faithful WebAssembly build with `profile` on).
 */
export interface EngineProfile {
  sites: ProfileSite[];
  contexts: ProfileContext[];
  /** Per site (by index into sites): allocations alive when the profile was taken, and bytes. */
  alive: [site: number, count: number, bytes: number][];
  /** Garbage collections while profiling. */
  collections: number;
  /**
   * Per site: [collection number, allocations of the site alive after it], each time that
   * count changed (long series thinned to every other change).
   */
  survivors: [collection: number, alive: number][][];
  /** The fullest heap seen (a collection starting, a failed allocation, a snapshot) and what was alive then. */
  peak: { usedBytes: number; alive: [site: number, count: number, bytes: number][] } | null;
  /** Module names by the address of their globals dict (`id(module.__dict__)`). */
  modules: Record<number, string>;
  /** The heap's block size. */
  blockSize: number;
}

export interface ProfileSite {
  /** Whose code was running: the user's script, mpheap's own, or mpheap loading the shims (ExecOptions.own). */
  exec: 'script' | 'mpheap' | 'shims';
  frames: [context: number, line: number][];
  /** gc_alloc calls made here. */
  allocations: number;
  /** Blocks they took, in bytes, with what a realloc here grew in place. */
  bytes: number;
}

/**
 * A module context (MicroPython's mp_module_context_t: an imported module, or one piece of
 * code compiled and run) that ran code. A freed context's address can be reused, so each new
 * use of an address is a context of its own.
 */
export interface ProfileContext {
  address: number;
  /** The address of its globals dict: `id(module.__dict__)` of the module it runs in. */
  globals: number;
  /** True when it ran the top level of code run as the script (ExecOptions.own). */
  script: boolean;
  /** False once its address was given to another allocation. */
  current: boolean;
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
  /**
   * The allocation profile so far, for an engine that profiles (null when it does not). Runs
   * between execs; mpheap's own query is not part of it.
   */
  profile?(): Promise<EngineProfile | null>;
  close(): Promise<void>;
}
