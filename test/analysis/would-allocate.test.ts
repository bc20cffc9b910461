/**
 * wouldAllocate answers what gc.c's first-fit search answers: at every `dump` of every golden
 * vector, for a spread of sizes, on both word sizes, it agrees with the heap model itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wouldAllocate } from '../../src/analysis/would-allocate.js';
import { decodeText } from '../../src/decode/index.js';
import { snapshotOfHeap } from '../../src/heap/snapshot-of-heap.js';
import { parseTrace } from '../../src/trace/parse.js';
import { runTrace } from '../../src/trace/run.js';
import { VECTORS, vectorTraces } from '../support/shared.js';

describe('wouldAllocate agrees with the heap model', () => {
  for (const rel of vectorTraces()) {
    for (const wordSize of [4, 8] as const) {
      it(`${rel} w${wordSize}`, () => {
        const trace = parseTrace(readFileSync(join(VECTORS, rel), 'utf8'), rel);
        let dumps = 0;
        let checks = 0;
        runTrace(trace, {
          wordSize,
          onStep: (op, heap) => {
            if (op.op !== 'dump' || !heap) return;
            dumps++;
            const snap = snapshotOfHeap(heap);
            const bs = heap.blockSize;
            const largest = snap.blocks?.maxFree ?? 0;
            const sizes = [1, bs, bs + 1, 2 * bs, 3 * bs + 5, 8 * bs, 100, 1000, 4096, 20_000];
            sizes.push(largest * bs, largest * bs + 1, Math.max(1, (largest - 1) * bs), heap.blocks * bs + 1);
            // (gc_alloc(0) returns NULL without searching; wouldAllocate says 0 bytes always fit.)
            for (const n of sizes.map((x) => Math.max(1, x))) {
              const expected = heap.findFreeRun(heap.blocksFor(n));
              const got = wouldAllocate(snap, n);
              expect([n, got.fits, got.block]).toEqual([n, expected >= 0, expected >= 0 ? expected : null]);
              if (expected >= 0) {
                expect(got.offset).toBe(expected * bs);
                expect(got.area).toBe(0);
              }
              checks++;
            }
          },
        });
        // Every dump of the trace was reached and checked, so the test cannot pass empty.
        expect(dumps).toBe(trace.ops.filter((o) => o.op === 'dump').length);
        expect(checks).toBe(dumps * 14);
      });
    }
  }

  it('searches several areas in order, runs never joining across them', () => {
    // Area 0: 64 blocks with a 3-block hole at the end; area 1: empty.
    const text =
      'stack: 432 out of 32768\n' +
      'GC: total: 3072, used: 976, free: 2096, max new split: 134217728\n' +
      ' No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 61, max free sz: 128\n' +
      `GC memory layout; from 2fb80:\n00000000: h${'='.repeat(60)}...\n` +
      `GC memory layout; from 40000:\n00000000: ${'.'.repeat(64)}\n00000400: ${'.'.repeat(64)}\n`;
    const [s] = decodeText(text).snapshots;
    expect(s.complete).toBe(true);
    expect(wouldAllocate(s, 48)).toMatchObject({
      fits: true,
      area: 0,
      block: 61,
      address: 0x2fb80 + 61 * 16,
    });
    // 4 blocks: the 3 at the end of area 0 and area 1's start must not join.
    expect(wouldAllocate(s, 64)).toMatchObject({
      fits: true,
      area: 1,
      block: 0,
      offset: 0,
      address: 0x40000,
    });
    expect(wouldAllocate(s, 128 * 16 + 1)).toMatchObject({ fits: false, blocks: 129, area: null });
  });
});
