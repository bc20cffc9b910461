// What the engine benchmarks share: the MicroPython scripts they run (real programs' shapes: a
// sensor loop in main(), closures, classes, formatting, dict growth, big ints, a JSON parser),
// and the timing of one exec in engines that take turns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_MODULE_NAME, HELPER_MODULE_SOURCE } from '../dist/engines/python/helper-module.js';
import { WasmEngine } from '../dist/engines/wasm/wasm-engine.js';
import { median } from './measure.js';

const here = new URL('.', import.meta.url).pathname;
const torture = (name) => readFileSync(join(here, '../test/engines/torture', name), 'utf8');

export const SCRIPTS = [
  ['sensor loop in main() (json, 3,000 passes)', torture('21_mixed_churn.py').replace('1500', '3000')],
  ['closures', torture('02_closures.py')],
  ['classes', torture('05_classes.py')],
  ['string formatting', torture('06_formatting.py')],
  ['dict resizing', torture('11_dict_resize.py')],
  ['big ints', torture('09_bigints.py')],
  ['examples/json_parser.py', readFileSync(join(here, '../examples/json_parser.py'), 'utf8')],
];

/**
 * CPU time of one exec of the script in each engine (this process's, which includes the engines'
 * worker threads), median over `rounds` runs in warmed engines, each run from a collected heap,
 * the engines taking turns so that a busy moment of the machine falls on all of them: the
 * engine's start and V8's first compilation of the code paths are not counted. Also the
 * collections per run, and (`profile`) how many allocation sites each engine's profile holds.
 */
export async function execMs(optsList, code, rounds) {
  const engines = [];
  for (const opts of optsList) {
    const engine = new WasmEngine(opts);
    await engine.load();
    await engine.provideModule(HELPER_MODULE_NAME, HELPER_MODULE_SOURCE);
    engines.push({ engine, times: [], collections: 0 });
  }
  const run = async (e) => {
    const r = await e.engine.exec(code, { onHeapEvent: (x) => x.type === 'collect' && e.collections++ });
    if (r.error) throw new Error(`${r.error.type}: ${r.error.message}`);
  };
  for (const e of engines) await run(e);
  for (const e of engines) e.collections = 0;
  for (let i = 0; i < rounds; i++) {
    for (const e of engines) {
      // Every run starts from a collected heap (the official build collects when this exec
      // returns): otherwise the board-faithful build, which never collects at top level, would
      // search an ever fuller heap.
      await e.engine.exec("__import__('gc').collect()");
      const t0 = process.cpuUsage();
      await run(e);
      const t = process.cpuUsage(t0);
      e.times.push((t.user + t.system) / 1000);
    }
  }
  const out = [];
  for (const e of engines) {
    const p = await e.engine.profile();
    out.push({
      ms: median(e.times),
      collections: Math.round(e.collections / rounds),
      sites: p ? p.sites.length : null,
    });
    await e.engine.close();
  }
  return out;
}
