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

const decoder = new TextDecoder('utf-8');
let pending = [];
function emitByte(b) {
  pending.push(b);
  if (b === 10) flush();
}
function flush() {
  if (pending.length === 0) return;
  const text = decoder.decode(new Uint8Array(pending), { stream: true });
  pending = [];
  if (text) parentPort.postMessage({ type: 'output', text });
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
    if (fixed) fixHeap();
    parentPort.on('message', (msg) => {
      if (msg.type === 'file') {
        mp.FS.writeFile(msg.path, msg.text);
        return;
      }
      if (msg.type !== 'exec') return;
      let error = null;
      try {
        mp.runPython(msg.code);
      } catch (e) {
        if (e && e.name === 'PythonError') error = { type: String(e.type), traceback: String(e.message) };
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
