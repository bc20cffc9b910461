/**
 * parseTrace's fast path (one regular expression per operation) against the careful path alone
 * (parseLine on every line): the same ids and operations, or the same error, for the golden
 * vectors and for random traces full of edge cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Trace, TraceError, type TraceOp } from '../../src/trace/format.js';
import { IdTable } from '../../src/trace/id-table.js';
import { parseTrace, traceOf } from '../../src/trace/parse.js';
import { parseLine } from '../../src/trace/parse-line.js';
import { VECTORS, vectorTraces } from '../support/shared.js';

/** Every line through the careful path, then the same 'heap first' rule. */
function carefulParse(text: string, file: string): Trace {
  const ids = new IdTable();
  const ops: TraceOp[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const op = parseLine(raw, i + 1, file, ids);
    if (op) ops.push(op);
  });
  return traceOf(ids, ops, file);
}

function outcome(parse: (text: string, file: string) => Trace, text: string) {
  try {
    return { trace: parse(text, 't.trace') };
  } catch (e) {
    if (e instanceof TraceError) return { error: e.message };
    throw e;
  }
}

describe('parseTrace', () => {
  it('reads every golden vector as the careful path does', () => {
    const traces = vectorTraces();
    expect(traces.length).toBeGreaterThanOrEqual(37);
    for (const rel of traces) {
      const text = readFileSync(join(VECTORS, rel), 'latin1');
      const fast = parseTrace(text, rel);
      expect(fast).toEqual(carefulParse(text, rel));
      expect(fast.ops.length).toBeGreaterThan(0);
    }
  });

  it('keeps -0, the last type=, repeated options, comments and CRLF line ends', () => {
    const text =
      'heap -0\r\nalloc a 16 type=L fin type=S # note\r\nrealloc a 32 move move\n\troot a  0\t\nfinlog 1';
    const trace = parseTrace(text, 'x');
    expect(trace).toEqual(carefulParse(text, 'x'));
    expect(Object.is((trace.ops[0] as { bytes: number }).bytes, -0)).toBe(true);
    expect(trace.ops[1]).toEqual({ op: 'alloc', id: 1, nbytes: 16, finaliser: true, type: 'S', line: 2 });
  });

  it("gives the careful path's errors, with file, line, column and token", () => {
    const cases: [string, string][] = [
      [
        'heap 100\nalloc a 2147483648',
        "t.trace:2:9: allocation size does not fit in a signed 32-bit integer (at '2147483648')",
      ],
      ['heap 100\nalloc a 16 type=X', "t.trace:2:12: type must be one of T L D S A F B M h (at 'type=X')"],
      ['heap 100\nfree a b', "t.trace:2:8: unexpected argument to 'free' (at 'b')"],
      ['heap 100\nallocx a 1', "t.trace:2:1: unknown operation 'allocx'"],
      ['heap 100\nref a 1', "t.trace:2:8: 'ref' needs a target id or 0"],
      ['alloc a 16\nheap 100', "t.trace:1:1: 'alloc' comes before any 'heap' operation"],
    ];
    for (const [text, message] of cases) expect(outcome(parseTrace, text)).toEqual({ error: message });
  });

  it('agrees with the careful path on random traces full of edge cases', () => {
    // Mostly well-formed lines, so that parsing gets far, with edge cases in every slot.
    const id = fc.constantFrom('a', 'b', 'x1', '0', 'fin', 'a#b', 'ä', 'a\u00a0b');
    const num = fc.constantFrom(
      '16',
      '0',
      '-1',
      '+7',
      '-0',
      '2147483647',
      '2147483648',
      '-2147483648',
      '-2147483649',
      '0000000016',
      '00000000016',
      '1e3',
      '0x10',
      '16#c',
    );
    const opt = fc.constantFrom('fin', 'move', 'type=L', 'type=h', 'type=Q', 'type=', 'type=LL', 'finx');
    const space = fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \t', '\r', '\u00a0', '\v');
    const s = space;
    const body = fc.oneof(
      fc
        .tuple(s, id, s, num, fc.array(fc.tuple(s, opt), { maxLength: 3 }))
        .map(([a, i, b, n, o]) => `alloc${a}${i}${b}${n}${o.map(([x, y]) => x + y).join('')}`),
      fc
        .tuple(s, id, s, num, fc.array(fc.tuple(s, opt), { maxLength: 2 }))
        .map(([a, i, b, n, o]) => `realloc${a}${i}${b}${n}${o.map(([x, y]) => x + y).join('')}`),
      fc.tuple(s, id, s, num, s, id).map(([a, i, b, n, c, j]) => `ref${a}${i}${b}${n}${c}${j}`),
      fc.tuple(s, id).map(([a, i]) => `free${a}${i}`),
      fc.array(fc.tuple(s, id), { maxLength: 4 }).map((l) => `root${l.map(([x, y]) => x + y).join('')}`),
      fc.tuple(s, num).map(([a, n]) => `threshold${a}${n}`),
      fc.tuple(s, num).map(([a, n]) => `heap${a}${n}`),
      fc.tuple(s, fc.constantFrom('0', '1', '2', '01')).map(([a, n]) => `finlog${a}${n}`),
      fc.constantFrom('collect', 'info', 'dump', 'collect x', 'Info', 'allocx a 1', '', '# note', 'heap'),
    );
    const lineArb = fc
      .tuple(
        fc.constantFrom('', '', '', ' ', '\t'),
        body,
        fc.constantFrom('', '', ' ', ' # c', '#', '\r', ' \u00a0'),
      )
      .map(([lead, b, tail]) => lead + b + tail);
    const textArb = fc
      .tuple(fc.array(lineArb, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
      .map(([lines, eol, heapFirst]) => (heapFirst ? ['heap 4096', ...lines] : lines).join(eol));
    fc.assert(
      fc.property(textArb, (text) => {
        expect(outcome(parseTrace, text)).toEqual(outcome(carefulParse, text));
      }),
      { numRuns: 3000 },
    );
  });
});
