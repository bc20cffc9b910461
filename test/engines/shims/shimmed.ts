/**
 * Runs a script on the real engine with the board shims, as the integration will: every shim
 * file written into the engine, the sim input written, the shims the script imports imported
 * first (then collected), then the script.
 */
import type { ExecResult } from '../../../src/engines/engine.js';
import {
  SHIM_MODULES,
  type ShimModule,
  type SimInput,
  shimImportCode,
  shimSource,
  shimStartCode,
  shimsFor,
  simInputCode,
} from '../../../src/engines/shims/index.js';
import { WasmEngine } from '../../../src/engines/wasm/wasm-engine.js';

export interface ShimmedRun {
  result: ExecResult;
  output: string;
  shims: ShimModule[];
  /** The engine, still loaded: the caller closes it (see `engines` below). */
  engine: WasmEngine;
}

/** Engines started here, for afterEach to close. */
export const engines: WasmEngine[] = [];

export async function closeEngines(): Promise<void> {
  await Promise.all(engines.splice(0).map((e) => e.close()));
}

export async function shimmedEngine(heapSize = 112 * 1024): Promise<WasmEngine> {
  const engine = new WasmEngine({ fixed: true, heapSize });
  engines.push(engine);
  await engine.load();
  for (const m of SHIM_MODULES) await engine.provideModule(m.name, shimSource(m.name));
  return engine;
}

export async function mustExec(engine: WasmEngine, code: string): Promise<string> {
  const r = await engine.exec(code, { timeoutMs: 30_000 });
  if (r.error || r.timedOut) throw new Error(`setup failed: ${r.error?.traceback ?? 'timed out'}`);
  return r.output;
}

export async function runShimmed(
  script: string,
  opts: { sim?: SimInput; heapSize?: number } = {},
): Promise<ShimmedRun> {
  const engine = await shimmedEngine(opts.heapSize);
  if (opts.sim) await mustExec(engine, simInputCode(opts.sim));
  const shims = shimsFor(script);
  await mustExec(engine, shimImportCode(shims));
  await mustExec(engine, shimStartCode(shims));
  const result = await engine.exec(script, { timeoutMs: 30_000, filename: 'main.py' });
  return { result, output: result.output, shims, engine };
}

/** Runs a script that must end without an error; returns its output lines. */
export async function linesOf(script: string, opts: { sim?: SimInput; heapSize?: number } = {}) {
  const r = await runShimmed(script, opts);
  if (r.result.error) throw new Error(`script failed:\n${r.output}\n${r.result.error.traceback}`);
  if (r.result.timedOut) throw new Error(`script timed out:\n${r.output}`);
  return r.output.trimEnd().split('\n');
}
