// The board shims: what each costs in the GC heap when imported (measured in a fresh engine,
// after the shims it requires, each from a collected heap), what the sets that typical scripts
// import cost together, and how fast a sleeping loop runs on the virtual clock against the
// same loop on the build's own `time`, which really waits (the baseline, in the same run).
import { SHIM_MODULES, shimImportCode, shimSource, shimsFor } from '../dist/engines/shims/index.js';
import { WasmEngine } from '../dist/engines/wasm/wasm-engine.js';

const HEAP = 112 * 1024;

async function engineWithShims() {
  const engine = new WasmEngine({ fixed: true, heapSize: HEAP });
  await engine.load();
  for (const m of SHIM_MODULES) await engine.provideModule(m.name, shimSource(m.name));
  return engine;
}

async function exec(engine, code) {
  const r = await engine.exec(code);
  if (r.error) throw new Error(r.error.traceback);
  return r.output;
}

/** Bytes allocated (after a collection) by importing `names`, after importing `before`. */
async function importCost(before, names) {
  const engine = await engineWithShims();
  try {
    await exec(engine, shimImportCode(before));
    await exec(engine, 'import gc\ngc.collect()\n_a = gc.mem_alloc()\n');
    const out = await exec(
      engine,
      `${names.map((n) => `import ${n}`).join('\n')}\ngc.collect()\nprint(gc.mem_alloc() - _a)\n`,
    );
    return Number(out.trim());
  } finally {
    await engine.close();
  }
}

const requirementsOf = (name) => shimsFor(`import ${name}`).filter((m) => m.name !== name);

console.log('Heap cost of importing each shim (bytes, after a collection; after its requirements):');
console.log('| module | requires | bytes |');
console.log('| --- | --- | ---: |');
for (const m of SHIM_MODULES) {
  const before = m.partOf
    ? shimsFor(`import ${m.partOf}`)
    : requirementsOf(m.provides[0]).filter((r) => !r.partOf);
  const bytes = await importCost(before, [m.name]);
  console.log(`| ${m.name} | ${before.map((r) => r.name).join(', ') || '-'} | ${bytes} |`);
}

const SETS = [
  ['blink (Pin, Timer, time)', 'from machine import Pin, Timer\nimport time'],
  ['sampler (+ ADC, I2C)', 'from machine import Pin, ADC, I2C\nimport time'],
  ['reporter (+ network)', 'import network, time\nfrom machine import ADC, Pin'],
  ['asyncio (+ ADC, I2C)', 'import asyncio\nfrom machine import Pin, ADC, I2C'],
  [
    'every shim',
    `${SHIM_MODULES.filter((m) => !m.partOf)
      .map((m) => `import ${m.name}`)
      .join('\n')}\nfrom machine import *`,
  ],
];
console.log('\nHeap cost of the shims typical scripts import (shimsFor), together:');
console.log('| script | shims | bytes |');
console.log('| --- | --- | ---: |');
for (const [label, script] of SETS) {
  const shims = shimsFor(script);
  const bytes = await importCost(
    [],
    shims.map((m) => m.name),
  );
  console.log(`| ${label} | ${shims.map((m) => m.name).join(', ')} | ${bytes} |`);
}

// Speed: 50 passes of sleep_ms(20), one second of board time.
const LOOP =
  'import time\nt = time.ticks_ms()\nfor i in range(50):\n    time.sleep_ms(20)\nprint(time.ticks_diff(time.ticks_ms(), t))\n';
async function wallMs(withShims) {
  const engine = withShims ? await engineWithShims() : new WasmEngine({ fixed: true, heapSize: HEAP });
  try {
    if (withShims) await exec(engine, shimImportCode(shimsFor(LOOP)));
    else await engine.load();
    const t0 = performance.now();
    const ticks = Number((await exec(engine, LOOP)).trim());
    return { wall: performance.now() - t0, ticks };
  } finally {
    await engine.close();
  }
}
const real = await wallMs(false);
const virtual = await wallMs(true);
console.log('\n50 x sleep_ms(20) (one second of board time):');
console.log(
  `  build's own time (really waits, baseline): ${real.wall.toFixed(1)} ms wall, ticks say ${real.ticks} ms`,
);
console.log(
  `  time shim (virtual clock):                 ${virtual.wall.toFixed(1)} ms wall, ticks say ${virtual.ticks} ms`,
);
console.log(`  ratio: ${(real.wall / virtual.wall).toFixed(0)}x faster`);
