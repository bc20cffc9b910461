/**
 * The code that runs inside the worker thread: one MicroPython WebAssembly instance per worker,
 * because instances in one thread share `globalThis.Module` and break each other.
 *
 * It is kept as plain JavaScript text and started with `new Worker(source, { eval: true })`, so
 * the same code runs from the compiled dist/ and from the TypeScript sources under vitest (a
 * worker file would need a build step or a loader in each case).
 *
 * Messages:
 *   worker → host  {type:'ready'} | {type:'output', text} | {type:'done', id, error} | {type:'failed', message}
 *                  | {type:'collect', before, after, ms} | {type:'alloc_failed', bytes, locked, counts, areas}
 *                  | {type:'heap', id, areas}
 *   host → worker  {type:'exec', id, code} | {type:'file', path, text} | {type:'read_heap', id}
 *
 * The board-faithful build (`workerData.board`, made by board-gc/): MicroPython collects inside
 * gc_alloc as on a board and tells JavaScript through the `mpheap` imports. Around each
 * collection the worker reads the allocation table (heap-reader.ts) and posts the heap before
 * and after; when gc_alloc finds no room even after collecting, it posts the whole map with the
 * size asked for. Both are posted between the output lines they happened between. At start it
 * sets `gc.threshold(-1)` (a board's default; this build's own start-up sets 16 KiB), or 0 to
 * collect at every allocation (`collectEveryAllocation`, the torture test), and learns the type
 * addresses gc_dump_alloc_table() compares heads with, so its maps carry the same letters.
 *
 * Output is sent line by line as the interpreter prints it: a worker may post while its thread is
 * busy in WebAssembly, so the host sees the output of a script that never returns.
 *
 * Fixed heap (`workerData.fixed`): MicroPython grows its GC heap by adding areas allocated with
 * the C `malloc` (gc_try_add_heap → MP_PLAT_ALLOC_HEAP), and malloc gets more memory by asking
 * the host to grow the WebAssembly memory (the `emscripten_resize_heap` import). The worker
 * refuses that growth, and takes ("soaks") every byte malloc still has free, except a small
 * reserve for the C side's own short-lived buffers (traceback text). gc_try_add_heap asks for at
 * least the size of the heap it already has, which the reserve is smaller than, so the new area
 * is never granted and the allocation raises MemoryError, as on a board. The glue's own mallocs
 * from JavaScript (the code text passed to runPython) may still grow memory; what they free is
 * soaked up again after every exec.
 *
 * Uncaught exceptions in a fixed heap: the engine's C side formats an uncaught exception for
 * JavaScript in newly allocated heap memory; when the heap is full that allocation fails with no
 * handler left and the engine spins forever. So with a fixed heap each piece of code runs through
 * a small guard module (GUARD_SOURCE) that catches a MemoryError inside Python, where printing
 * needs no heap: it prints a memory_error snapshot of the heap at that moment (marker line and
 * mem_info(1)), then the traceback between `#mpheap uncaught` marker lines, which the worker turns
 * back into the exec's error, and releases the script's globals so the engine can run the next
 * piece of code (the script is over anyway). Other exceptions are re-raised unchanged.
 */
import { readHeapCounts, readHeapMaps } from './heap-reader.js';

export const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { moduleUrl, wasmUrl, board, heapSize, pystack, fixed, reserveBytes } = workerData;
const readHeapCounts = ${readHeapCounts.toString()};
const readHeapMaps = ${readHeapMaps.toString()};

// Growth is allowed while the module loads and while the JavaScript glue itself mallocs; never
// for a malloc made from inside the interpreter once the heap is fixed.
let growthAllowed = true;
let grew = false;
let memory = null;
const originalInstantiate = WebAssembly.instantiate;
WebAssembly.instantiate = function (binary, imports) {
  const env = imports && imports.env;
  if (env && typeof env.emscripten_resize_heap === 'function') {
    const grow = env.emscripten_resize_heap;
    env.emscripten_resize_heap = (bytes) => {
      if (fixed && !growthAllowed) return 0;
      const ok = grow(bytes);
      if (ok) grew = true;
      return ok;
    };
  }
  if (board) imports.mpheap = boardHooks();
  return originalInstantiate.call(WebAssembly, binary, imports).then((result) => {
    memory = result.instance.exports.memory;
    // A fixed heap cannot grow: gc.mem_free() and mem_info must not promise 128 MiB more.
    if (board && fixed) result.instance.exports.mpheap_max_new_split.value = 0;
    return result;
  });
};

function heapLocked() {
  return new Uint16Array(memory.buffer, board.layout.gcLockDepth, 1)[0] >= 2;
}

// The type addresses gc_dump_alloc_table() compares heads with, once learnt at start.
let types = [];
let collectStarted = 0;
let countsBefore = null;
function boardHooks() {
  const layout = board && { ...board.layout, blockSize: 16 };
  return {
    collect_begin() {
      flush();
      collectStarted = performance.now();
      countsBefore = readHeapCounts(memory.buffer, layout);
    },
    collect_end() {
      const after = readHeapCounts(memory.buffer, layout);
      parentPort.postMessage({ type: 'collect', before: countsBefore, after, ms: performance.now() - collectStarted });
    },
    alloc_failed(bytes) {
      flush();
      // A locked heap refuses every allocation, room or not: that is not a full heap.
      if (heapLocked()) {
        parentPort.postMessage({ type: 'alloc_failed', bytes: bytes >>> 0, locked: true, counts: null, areas: [] });
        return;
      }
      const areas = readHeapMaps(memory.buffer, layout, types);
      parentPort.postMessage({ type: 'alloc_failed', bytes: bytes >>> 0, locked: false, counts: readHeapCounts(memory.buffer, layout), areas });
    },
    fatal() {
      // MicroPython would spin here forever (nlr_jump_fail): unwind out of it instead.
      const e = new Error(
        heapLocked()
          ? 'an exception was raised while the heap was locked (micropython.heap_lock()): ' +
            'MicroPython could not allocate it or report it, and stopped (a board hangs here until reset)'
          : 'an exception was raised where nothing could catch it (nlr_jump_fail): MicroPython stopped',
      );
      e.name = 'MicroPythonFatal';
      throw e;
    },
    alloc() {},
    free() {},
    realloc() {},
  };
}

const GUARD_PATH = '/_mpheap_guard.py';
const UNIT_PATH = '/_mpheap_unit.py';
const GUARD_SOURCE = [
  'import sys, micropython',
  'def run(g, path):',
  '    try:',
  // execfile compiles from the file through the lexer: the code is never a str in the GC heap.
  '        execfile(path, g)',
  '    except MemoryError as e:',
  "        print('#mpheap uncaught MemoryError')",
  '        sys.print_exception(e)',
  "        print('#mpheap uncaught-end')",
  "        print('#mpheap memory_error')",
  '        micropython.mem_info(1)',
  '        g.clear()',
  '',
].join('\\n');

const decoder = new TextDecoder('utf-8');
let pending = [];
// The traceback the guard printed for an uncaught MemoryError, while it is being printed.
let uncaught = null;
let captured = null;
function emitByte(b) {
  pending.push(b);
  if (b === 10) flush();
}
function flush() {
  if (pending.length === 0) return;
  const text = decoder.decode(new Uint8Array(pending), { stream: true });
  pending = [];
  if (!text) return;
  if (uncaught !== null) {
    if (text.startsWith('#mpheap uncaught-end')) {
      captured = uncaught;
      uncaught = null;
    } else if (!text.includes(GUARD_PATH)) {
      // The guard's own frame is not part of the script's traceback.
      uncaught.traceback += text;
    }
    return;
  }
  if (text.startsWith('#mpheap types ')) {
    types = text.slice(14).trim().split(' ').map(Number);
    return;
  }
  const m = /^#mpheap uncaught (\\S+)/.exec(text);
  if (m) {
    uncaught = { type: m[1], traceback: '' };
    return;
  }
  if (captured && text.startsWith('#mpheap memory_error')) {
    // The guard printed the traceback first, so the snapshot marker can carry the request.
    const req = /allocating (\\d+) bytes/.exec(captured.traceback);
    parentPort.postMessage({ type: 'output', text: '#mpheap memory_error' + (req ? ' ' + req[1] : '') + '\\n' });
    return;
  }
  parentPort.postMessage({ type: 'output', text });
}
/**
 * A traceback as if the code had run as <stdin> by runPython: without the call into the guard
 * (runPython's own line 1) and the guard's frame, and with the unit file named <stdin>.
 */
function asStdin(traceback) {
  const lines = traceback.split('\\n');
  const kept = [];
  for (const line of lines) {
    if (line.includes('_mpheap_guard')) {
      if (kept.length && /File "<stdin>", line 1, in <module>/.test(kept[kept.length - 1])) kept.pop();
      continue;
    }
    kept.push(line);
  }
  return kept.join('\\n').split(UNIT_PATH).join('<stdin>');
}

let M = null;
let cMalloc = null;
const soaked = [];
function soak() {
  // Take every free byte malloc has (growth refused), largest pieces first; then hand back the
  // reserve so C code can still malloc a little.
  const reserve = cMalloc(reserveBytes);
  for (let size = 1 << 30; size >= 16; size >>>= 1) {
    for (;;) {
      const p = cMalloc(size);
      if (!p) break;
      soaked.push(p);
    }
  }
  if (reserve) M._free(reserve);
}
function fixHeap() {
  growthAllowed = false;
  cMalloc = M._malloc;
  soak();
  // The glue mallocs through Module._malloc (the code text, result cells): let those grow the
  // memory, and soak up whatever the growth added before the interpreter could use it.
  M._malloc = (n) => {
    growthAllowed = true;
    grew = false;
    const p = cMalloc(n);
    growthAllowed = false;
    if (grew) soak();
    return p;
  };
}

(async () => {
  try {
    const { loadMicroPython } = await import(moduleUrl);
    const mp = await loadMicroPython({
      url: wasmUrl || undefined,
      heapsize: heapSize,
      pystack,
      linebuffer: false,
      stdout: (bytes) => { for (const b of bytes) emitByte(b); },
      stderr: (bytes) => { for (const b of bytes) emitByte(b); },
    });
    M = mp._module;
    if (board) {
      mp.runPython(
        "__import__('gc').threshold(" + (board.collectEveryAllocation ? 0 : -1) + ")\\n" +
        "print('#mpheap types', id(tuple), id(list), id(dict), id(str), id(bytes), id(bytearray), " +
        "id(__import__('array').array), id(float), id(type(lambda: 0)), id(type(__import__('sys'))))\\n",
      );
      flush();
      if (types.length !== 10) throw new Error('the engine did not report its type addresses');
    }
    if (fixed) {
      mp.FS.writeFile(GUARD_PATH, GUARD_SOURCE);
      // Imported once, up front: its few hundred bytes are in the heap from the first snapshot on,
      // like the mpheap helper module's.
      mp.runPython("__import__('_mpheap_guard')");
      fixHeap();
    }
    // What start-up left behind is garbage: a board's heap after boot holds none of it.
    if (board) mp.runPython("__import__('gc').collect()");
    parentPort.on('message', (msg) => {
      if (msg.type === 'file') {
        mp.FS.writeFile(msg.path, msg.text);
        return;
      }
      if (msg.type === 'read_heap') {
        const layout = { ...board.layout, blockSize: 16 };
        parentPort.postMessage({ type: 'heap', id: msg.id, areas: readHeapMaps(memory.buffer, layout, types) });
        return;
      }
      if (msg.type !== 'exec') return;
      let error = null;
      captured = null;
      try {
        if (fixed) {
          mp.FS.writeFile(UNIT_PATH, msg.code);
          mp.runPython("__import__('_mpheap_guard').run(globals(), '" + UNIT_PATH + "')");
        } else {
          mp.runPython(msg.code);
        }
        flush();
        if (captured) error = { type: captured.type, traceback: asStdin(captured.traceback) };
      } catch (e) {
        if (e && e.name === 'PythonError') error = { type: String(e.type), traceback: asStdin(String(e.message)) };
        else if (e && e.name === 'MicroPythonFatal') error = { type: 'MicroPythonFatal', traceback: 'MicroPythonFatal: ' + e.message + '\\n', fatal: true };
        else error = { type: 'EngineError', traceback: String((e && e.stack) || e) };
      }
      flush();
      if (error && error.fatal) {
        // The interpreter was left mid-exception (its exception stack, a locked heap): it cannot
        // run more code. The host sees the worker end and starts a fresh one when asked.
        parentPort.postMessage({ type: 'done', id: msg.id, error, stopped: true });
        process.exit(0);
      }
      if (fixed) soak();
      parentPort.postMessage({ type: 'done', id: msg.id, error });
    });
    parentPort.postMessage({ type: 'ready' });
  } catch (e) {
    parentPort.postMessage({ type: 'failed', message: String((e && e.message) || e) });
  }
})();
`;
