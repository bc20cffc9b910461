/**
 * The trace runner never errors on a well-formed trace, whatever its sizes: docs/trace-format.md
 * promises that operations on any id are no-ops or allocations. fast-check writes traces with
 * sizes across the whole signed 32-bit range (negative ones wrap in gc.c's size_t arithmetic).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/trace/parse.js';
import { runTrace } from '../../src/trace/run.js';

const ID = fc.constantFrom('a', 'b', 'c', 'd');
const SIZE = fc.oneof(
  fc.integer({ min: -40, max: 400 }),
  fc.constantFrom(-2147483648, -17, -16, -15, -1, 0, 2147483647),
);
const LINE = fc.oneof(
  fc.tuple(ID, SIZE).map(([id, n]) => `alloc ${id} ${n}`),
  fc.tuple(ID, SIZE, fc.boolean()).map(([id, n, move]) => `realloc ${id} ${n}${move ? ' move' : ''}`),
  ID.map((id) => `free ${id}`),
  fc.tuple(ID, fc.integer({ min: -2, max: 40 }), ID).map(([id, w, t]) => `ref ${id} ${w} ${t}`),
  fc.array(ID, { maxLength: 3 }).map((ids) => `root ${ids.join(' ')}`),
  fc.constantFrom('collect', 'info', 'dump', 'threshold 64', 'threshold -1'),
);

describe('trace runner on hostile sizes', () => {
  it('frees the object and forgets the id on realloc to -1, then reallocates it', () => {
    const trace = parseTrace('heap 10048\nalloc a 16\nrealloc a -1\nrealloc a 32\ninfo\n');
    expect(runTrace(trace, { wordSize: 4 }).output).toBe(
      'GC: total: 9792, used: 32, free: 9760\n No. of 1-blocks: 0, 2-blocks: 1, max blk sz: 2, max free sz: 610\n',
    );
  });

  it('runs any sequence of operations without throwing, on both word sizes', () => {
    fc.assert(
      fc.property(
        fc.array(LINE, { maxLength: 60 }),
        fc.constantFrom(4, 8) as fc.Arbitrary<4 | 8>,
        (lines, w) => {
          const trace = parseTrace(`heap 2000\n${lines.join('\n')}\n`);
          const result = runTrace(trace, { wordSize: w });
          expect(result.stats.ops).toBe(lines.length + 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
