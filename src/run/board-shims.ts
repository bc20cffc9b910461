/**
 * The board shims (engines/shims/) on an engine, before the script runs: every shim written
 * into the engine (costs no heap), the sim input if any, then the shims the script imports
 * loaded before the start snapshot, as a board has its own modules before main.py runs. What
 * they hold in the heap is measured (after a collection, before and after loading them) and
 * told apart from the script's: a board's own modules live in flash and take far less.
 */
import type { Engine, ExecResult, PythonErrorInfo } from '../engines/engine.js';
import {
  SHIM_MODULES,
  type SimInput,
  shimSource,
  shimStartCode,
  shimsFor,
  simInputCode,
} from '../engines/shims/index.js';

export interface ShimsInUse {
  /** The shim modules loaded, in load order (`time`, `machine`, `_machine_adc`, …). */
  modules: string[];
  /** Heap bytes they hold after loading (and a collection), null when it could not be read. */
  bytes: number | null;
}

export interface LoadedShims {
  used: ShimsInUse | null;
  /** Run right before the script (after its start snapshot): the sim input's times count from it. */
  startCode: string;
  /** Loading failed (e.g. a heap too small for them): the script cannot run. */
  error: PythonErrorInfo | null;
}

/** The module names a profile files under the shims (each shim's file and the names it serves). */
export const SHIM_MODULE_NAMES: ReadonlySet<string> = new Set(
  SHIM_MODULES.flatMap((m) => [m.name, ...m.provides]),
);

/**
 * `exec` runs code as the session does (streamed, with the watchdog); the loading runs as
 * `own: 'shims'`, so a profile files it under the shims.
 */
export async function loadShims(
  engine: Engine,
  script: string,
  simInput: SimInput | null,
  exec: (code: string, own: boolean | 'shims') => Promise<ExecResult>,
): Promise<LoadedShims> {
  if (!engine.provideModule) return { used: null, startCode: '', error: null };
  for (const m of SHIM_MODULES) await engine.provideModule(m.name, shimSource(m.name));
  const wanted = shimsFor(script);
  if (simInput) {
    const r = await exec(simInputCode(simInput), 'shims');
    if (r.error) return { used: null, startCode: '', error: r.error };
  }
  if (wanted.length === 0) return { used: null, startCode: '', error: null };
  const before = await heapInUse(engine);
  // __import__, not `import`: the script's globals get no names it did not bind itself.
  const r = await exec(
    `for _n in ${pythonTuple(wanted.map((m) => m.name))}:\n    __import__(_n)\ndel _n\n__import__('gc').collect()\n`,
    'shims',
  );
  if (r.error) return { used: null, startCode: '', error: r.error };
  const after = await heapInUse(engine);
  return {
    used: {
      modules: wanted.map((m) => m.name),
      bytes: before !== null && after !== null ? after - before : null,
    },
    startCode: shimStartCode(wanted),
    error: null,
  };
}

/** `gc.mem_alloc()` after a collection, read without passing through the run's output. */
async function heapInUse(engine: Engine): Promise<number | null> {
  const r = await engine.exec(
    "__import__('gc').collect()\nprint('#mpheap alloc', __import__('gc').mem_alloc())\n",
    { own: true },
  );
  const m = /#mpheap alloc (\d+)/.exec(r.output);
  return m ? Number(m[1]) : null;
}

function pythonTuple(names: string[]): string {
  return `(${names.map((n) => `'${n}'`).join(', ')},)`;
}
