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
 *   host → worker  {type:'exec', id, code} | {type:'file', path, text}
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
export const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { moduleUrl, heapSize, pystack, fixed, reserveBytes } = workerData;

// Growth is allowed while the module loads and while the JavaScript glue itself mallocs; never
// for a malloc made from inside the interpreter once the heap is fixed.
let growthAllowed = true;
let grew = false;
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
  return originalInstantiate.call(WebAssembly, binary, imports);
};

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
      heapsize: heapSize,
      pystack,
      linebuffer: false,
      stdout: (bytes) => { for (const b of bytes) emitByte(b); },
      stderr: (bytes) => { for (const b of bytes) emitByte(b); },
    });
    M = mp._module;
    if (fixed) {
      mp.FS.writeFile(GUARD_PATH, GUARD_SOURCE);
      // Imported once, up front: its few hundred bytes are in the heap from the first snapshot on,
      // like the mpheap helper module's.
      mp.runPython("__import__('_mpheap_guard')");
      fixHeap();
    }
    parentPort.on('message', (msg) => {
      if (msg.type === 'file') {
        mp.FS.writeFile(msg.path, msg.text);
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
        else error = { type: 'EngineError', traceback: String((e && e.stack) || e) };
      }
      flush();
      if (fixed) soak();
      parentPort.postMessage({ type: 'done', id: msg.id, error });
    });
    parentPort.postMessage({ type: 'ready' });
  } catch (e) {
    parentPort.postMessage({ type: 'failed', message: String((e && e.message) || e) });
  }
})();
`;
