/**
 * What the shims put on the heap stays small: the sets typical scripts import, measured on the
 * real engine (bench/shims.bench.js prints every module's figure for docs/shims.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { shimImportCode, shimsFor } from '../../../src/engines/shims/index.js';
import { closeEngines, mustExec, shimmedEngine } from './shimmed.js';

afterEach(closeEngines);

async function importCost(script: string): Promise<number> {
  const engine = await shimmedEngine();
  await mustExec(engine, 'import gc\ngc.collect()\n_a = gc.mem_alloc()\n');
  const out = await mustExec(engine, `${shimImportCode(shimsFor(script))}print(gc.mem_alloc() - _a)\n`);
  return Number(out.trim());
}

describe('shim heap footprint', () => {
  it('stays within its budget for the sets typical scripts import', async () => {
    // Measured (docs/shims.md): about 11, 19 and 25 KB; budgets leave a little room (qstr pools
    // grow in doubling chunks, so a small change can move a chunk into a set).
    const blink = await importCost('from machine import Pin, Timer\nimport time');
    const sampler = await importCost('from machine import Pin, ADC, I2C\nimport time');
    const tasks = await importCost('import asyncio\nfrom machine import Pin, ADC, I2C');
    expect(blink).toBeGreaterThan(4 * 1024);
    expect(blink).toBeLessThan(13 * 1024);
    expect(sampler).toBeGreaterThan(blink);
    expect(sampler).toBeLessThan(22 * 1024);
    expect(tasks).toBeGreaterThan(sampler);
    expect(tasks).toBeLessThan(28 * 1024);
  });
});
