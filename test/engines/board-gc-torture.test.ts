/**
 * Soundness of the board-faithful build: a collection that frees a live object corrupts a run
 * silently, so every program under test/engines/torture runs with a collection at every
 * allocation (gc.threshold(0)), in a small fixed heap and in a small heap that grows, and its
 * output must equal the same program's on the official build with room to spare, where nothing
 * is collected mid-run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';

const DIR = join(import.meta.dirname, 'torture');
const PROGRAMS = readdirSync(DIR)
  .filter((f) => f.endsWith('.py'))
  .sort();
/** Small enough that each program collects many times; big enough for every live set here. */
const TORTURE_HEAP = 32 * 1024;
/** The first area of a growable heap: most programs need more, so areas come and go. */
const GROWING_HEAP = 8 * 1024;

let collections = 0;
let failedAllocations = 0;

async function run(
  source: string,
  opts: ConstructorParameters<typeof WasmEngine>[0],
): Promise<{ output: string; error: string | null; collections: number; failed: number }> {
  const engine = new WasmEngine(opts);
  let n = 0;
  let failed = 0;
  try {
    await engine.load();
    const r = await engine.exec(source, {
      timeoutMs: 120_000,
      onHeapEvent: (e) => {
        if (e.type === 'collect') n++;
        else failed++;
      },
    });
    return {
      output: r.output,
      error: r.error ? `${r.error.type}: ${r.error.message}` : null,
      collections: n,
      failed,
    };
  } finally {
    await engine.close();
  }
}

describe('the board-faithful build collects at every allocation without losing a live object', () => {
  it('has a broad suite to run', () => {
    expect(PROGRAMS.length).toBeGreaterThanOrEqual(30);
  });

  for (const name of PROGRAMS) {
    it(name, async () => {
      const source = readFileSync(join(DIR, name), 'utf8');
      const reference = await run(source, { collector: 'top-level', heapSize: 2 * 1024 * 1024 });
      expect(reference.error).toBeNull();
      const tortured = await run(source, {
        collector: 'board-only',
        collectEveryAllocation: true,
        fixed: true,
        heapSize: TORTURE_HEAP,
      });
      expect(tortured.output).toBe(reference.output);
      expect(tortured.error).toBeNull();
      // Every program allocates, so each allocation collected: far more than a handful.
      expect(tortured.collections).toBeGreaterThan(100);
      // A heap that grows (esp32's split heap): areas are added and, emptied, given back.
      const growing = await run(source, {
        collector: 'board-only',
        collectEveryAllocation: true,
        heapSize: GROWING_HEAP,
      });
      expect(growing.output).toBe(reference.output);
      expect(growing.error).toBeNull();
      collections += tortured.collections + growing.collections;
      failedAllocations += tortured.failed + growing.failed;
    }, 180_000);
  }

  afterAll(() => {
    // The coverage this suite gives, for the notes and docs/architecture.md.
    process.stdout.write(
      `board-gc torture: ${PROGRAMS.length} programs, ${collections} collections, ` +
        `${failedAllocations} failed allocations (caught by the programs)\n`,
    );
  });
});
