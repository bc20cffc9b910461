/**
 * The parts of the board profile that need no board: the instrumenter (checked by running what
 * it makes on the embedded MicroPython, with a probe that records the order it is called in),
 * the table taken out of streamed output, the allocation table found in a window of RAM, and
 * the profile made from a table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decode/index.js';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import { findAllocationTable } from '../../src/run/board-profile/atb.js';
import { instrument, ProbeSlots, scriptLineOf } from '../../src/run/board-profile/instrument.js';
import {
  HEADER,
  HEADER_INTS,
  parseTable,
  SLOT_WIDTH,
  TABLE_MARKER,
} from '../../src/run/board-profile/probe-code.js';
import { boardProfile } from '../../src/run/board-profile/results.js';
import { TableCatcher } from '../../src/run/board-profile/table-catcher.js';

let engine: WasmEngine;
beforeAll(async () => {
  engine = new WasmEngine({ collector: 'top-level', heapSize: 256 * 1024 });
  await engine.load();
});
afterAll(async () => {
  await engine?.close();
});

/** Runs instrumented code with a probe that records each call's line; returns the lines and the output. */
async function probedRun(source: string): Promise<{ lines: number[]; output: string; code: string }> {
  const slots = new ProbeSlots();
  const code = instrument(source, slots);
  const recorder = ['_seen = []', 'def _mph(i):', '    _seen.append(i)', ''].join('\n');
  const r = await engine.exec(`${recorder}\n${code.code}\nprint('SEEN', _seen)\n`);
  if (r.error) throw new Error(`${r.error.type}: ${r.error.message}\n${code.code}`);
  const seen = /SEEN \[([\d, ]*)\]/.exec(r.output);
  const lines = (seen?.[1] ?? '')
    .split(',')
    .filter((x) => x.trim() !== '')
    .map((x) => slots.lines[Number(x)]);
  return { lines, output: r.output.replace(/SEEN .*\n/, ''), code: code.code };
}

describe('instrument', () => {
  it('prefixes simple statements on their own line, and puts the probe inside headers', () => {
    const src = [
      'x = f()', //                          1
      'if ready(x):', //                     2
      '    y = 1', //                        3
      'elif x == 2: y = 2', //               4
      'else: y = 3', //                      5
      'while n < 10:  # count', //           6
      '    n += 1', //                       7
      'for k in items():', //                8
      '    pass', //                         9
      'for i in range(a, b):', //           10
      '    pass', //                        11
      'with open(p) as f, open(q) as g:', // 12
      '    pass', //                        13
      'try:', //                            14
      '    z = 1', //                       15
      'except ValueError as e:', //         16
      '    raise', //                       17
    ].join('\n');
    const r = instrument(src, new ProbeSlots());
    expect(r.code.split('\n')).toEqual([
      '_mph(1);x = f()',
      'if _mph(2) or ( ready(x)):',
      '    _mph(3);y = 1',
      'elif _mph(4) or ( x == 2): y = 2',
      'else: _mph(5); y = 3',
      'while _mph(6) or ( n < 10):  # count',
      '    _mph(7);n += 1',
      'for k in _mph(8) or ( items()):',
      '    _mph(9);pass',
      'for i in range( _mph(10) or (a), b):',
      '    _mph(11);pass',
      'with _mph(12) or ( open(p)) as f, open(q) as g:',
      '    _mph(13);pass',
      'try:',
      '    _mph(14);z = 1',
      'except ValueError as e:',
      '    _mph(15);raise',
    ]);
    expect(r.inserted).toBe(0);
    expect(r.probes).toBe(15);
  });

  it('gives a def its probe on the blank line above, after the statement before, or on a line of its own', () => {
    const src = [
      'keep = []', //                        1
      'def a():', //                         2: after `keep = []`
      '    return 1', //                     3
      '', //                                 4: the probe's line
      '@decorate', //                        5
      'def b():', //                         6
      '    pass', //                         7
      'def c():', //                         8: a line inserted above
      '    pass', //                         9
    ].join('\n');
    const r = instrument(src, new ProbeSlots());
    expect(r.code.split('\n')).toEqual([
      '_mph(1);keep = []; _mph(2)',
      'def a():',
      '    _mph(3);return 1',
      '_mph(4)',
      '@decorate',
      'def b():',
      '    _mph(5);pass',
      '_mph(6)',
      'def c():',
      '    _mph(7);pass',
    ]);
    expect(r.inserted).toBe(1);
    // The inserted line and the def below it are the def's line; the rest keep their numbers.
    expect([8, 9, 10].map((n) => scriptLineOf(r, n))).toEqual([8, 8, 9]);
    expect(scriptLineOf(r, 3)).toBe(3);
  });

  it('finds a place for every def: nested, first in a class, after a semicolon, tab-indented', async () => {
    const src = [
      'x = 1;', //                             1
      'def outer():', //                       2: after `x = 1;`
      '\tdef inner():', //                     3: a line inserted above
      "\t\treturn 'in'", //                     4
      '\treturn inner()', //                   5
      'class A:', //                           6
      '    def m(self):  # first', //          7: a line inserted above
      '        return outer()', //             8
      '    # the next one', //                 9: the probe's line, the comment kept
      '    @staticmethod', //                 10
      '    def n():', //                      11
      '        return 2', //                  12
      'print(A().m(), A.n())', //             13
    ].join('\n');
    const r = await probedRun(src);
    expect(r.code.split('\n').slice(0, 3)).toEqual(['_mph(1);x = 1; _mph(2)', 'def outer():', '\t_mph(3)']);
    expect(r.code).toContain('    _mph(9)  # the next one\n    @staticmethod');
    expect(r.output).toBe('in 2\n');
    expect(r.lines).toEqual([1, 2, 6, 7, 11, 13, 8, 3, 5, 4, 12]);
  });

  it('never puts a probe inside a string, a bracket or a continuation, nor changes an import of mpheap', () => {
    const src = [
      'import mpheap', //                    1
      's = """', //                          2
      'x = 1', //                            3 (in the string)
      '"""', //                              4
      't = (1,', //                          5
      '     2)', //                          6
      'u = 1 + \\', //                       7
      '    2', //                            8
      'mpheap.snap("here")', //              9
    ].join('\n');
    const slots = new ProbeSlots();
    const r = instrument(src, slots);
    expect(r.code.split('\n')).toEqual([
      'import mpheap',
      '_mph(1);s = """',
      'x = 1',
      '"""',
      '_mph(2);t = (1,',
      '     2)',
      '_mph(3);u = 1 + \\',
      '    2',
      '_mph(4);mpheap.snap("here")',
    ]);
    // mpheap's own call is mpheap's slot, not the script's line.
    expect(slots.owners[4]).toBe('mpheap');
  });

  it('makes code that runs as the script does, each probe before the statement of its line', async () => {
    const src = [
      'out = []', //                                 1
      'def gen(n):', //                              2
      '    i = 0', //                                3
      '    while i < n:', //                         4
      '        yield i', //                          5
      '        i += 1', //                           6
      'class Box:', //                               7
      '    def __init__(self, v):', //               8
      '        self.v = v', //                       9
      '    @property', //                           10
      '    def double(self):', //                   11
      '        return self.v * 2', //               12
      'for k in gen(2):', //                        13
      '    if k: out.append(Box(k).double)', //     14
      '    else:', //                               15
      '        out.append(-1)', //                  16
      'for j in range(2, 4): out.append(j)', //     17
      'try:', //                                    18
      "    raise ValueError('x')", //               19
      'except ValueError:', //                      20
      "    out.append('caught')", //                21
      'while False:', //                            22
      '    pass', //                                23
      'print(out)', //                              24
    ].join('\n');
    const r = await probedRun(src);
    expect(r.output).toBe("[-1, 2, 2, 3, 'caught']\n");
    expect(r.lines).toEqual([
      1, 2, 7, 8, 11, 13, 3, 4, 5, 14, 16, 6, 4, 5, 14, 9, 12, 6, 4, 17, 19, 21, 22, 24,
    ]);
  });

  it('keeps a traceback on the script’s lines where a probe line was inserted', async () => {
    const src = ['def f():', '    return 1 / 0', 'f()'].join('\n');
    const code = instrument(src, new ProbeSlots());
    expect(code.inserted).toBe(1);
    const r = await engine.exec(`_mph = lambda i: None\n${code.code}\n`);
    // Line 3 of the exec (with the lambda's line before) is line 2 of the instrumented code.
    expect(r.error?.type).toBe('ZeroDivisionError');
    expect(r.error?.line).not.toBeNull();
    expect(scriptLineOf(code, (r.error?.line ?? 0) - 1)).toBe(2);
  });
});

describe('the table taken out of the output', () => {
  const table = `${TABLE_MARKER}array('i', [1, 2, 3])`;
  const output = `hello\r\n${table}\r\nbye #mpheap not a table\r\n`;

  it('whatever the chunks', () => {
    for (const size of [1, 2, 3, 7, 16, output.length]) {
      const c = new TableCatcher();
      let passed = '';
      for (let i = 0; i < output.length; i += size) passed += c.feed(output.slice(i, i + size));
      passed += c.flush();
      expect(passed).toBe('hello\r\nbye #mpheap not a table\r\n');
      expect(c.table).toBe(table);
      expect(Array.from(parseTable(c.table ?? '') ?? [])).toEqual([1, 2, 3]);
    }
  });

  it('read as the array it prints, or the list it keeps where the firmware has no array module', () => {
    expect(Array.from(parseTable(`x\n${TABLE_MARKER}[4, -5, 0]\n`) ?? [])).toEqual([4, -5, 0]);
    expect(Array.from(parseTable(`${TABLE_MARKER}array('i')`) ?? [9])).toEqual([]);
    expect(parseTable("array('i', [1, 2])")).toBeNull();
  });

  it('passes on a start of the marker that turns out not to be one', () => {
    const c = new TableCatcher();
    expect(c.feed('x #mpheap-pro')).toBe('x ');
    expect(c.feed('be says hi\n')).toBe('#mpheap-probe says hi\n');
    expect(c.feed('#mph')).toBe('');
    expect(c.flush()).toBe('#mph');
    expect(c.table).toBeNull();
  });
});

describe('the allocation table found in RAM before the pool', () => {
  // A micro:bit's mem_info(1) and the 363 bytes before its pool, read at the same moment.
  const dump = [
    'GC: total: 10048, used: 1776, free: 8272',
    ' No. of 1-blocks: 28, 2-blocks: 3, max blk sz: 13, max free sz: 500',
    'GC memory layout; from 200004a0:',
    '00000: h=Bh============Bhh=hh===LhhhShShhh========h==hShSBB........hhh=',
    '00400: ==========hhhhh=h=======h=====.........hhh============h==h=====h',
    '       (7 lines all free)',
    '02400: ....................................................',
  ].join('\n');
  const snapshot = decodeText(dump, 'test', { blockSize: 16 }).snapshots[0];
  const table = [89, 170, 170, 170, 149, 165, 86, 85, 149, 170, 106, 90, 85, 0, 0, 149, 170, 170, 90, 149];
  table.push(169, 170, 169, 10, 0, 64, 165, 170, 170, 154, 166, 106);
  const window = new Uint8Array(363);
  window.set([220, 11, 3], 0);
  window.set(table, 163);
  const start = 0x200004a0 - 363;

  it('where the bytes say what the map says, and only there', () => {
    expect(findAllocationTable(snapshot, start, window)).toBe(start + 163);
  });

  it('not when the map does not match anywhere', () => {
    const other = window.slice();
    other[163 + 5] ^= 3;
    expect(findAllocationTable(snapshot, start, other)).toBeNull();
  });
});

describe('the profile made from a table', () => {
  const source = ['def f():', '    a = bytearray(100)', '    return a', 'f()', 'f()'].join('\n');
  const slots = new ProbeSlots();
  const code = instrument(source, slots);
  const table = new Int32Array(HEADER_INTS + SLOT_WIDTH * slots.count);
  const put = (line: number, bytes: number, runs: number, allocating: number, leftOut: number) =>
    table.set([bytes, runs, allocating, leftOut], HEADER_INTS + SLOT_WIDTH * slots.slotOf(line));
  put(2, 128, 1, 1, 1);
  put(3, 0, 2, 0, 0);
  put(1, 16, 1, 1, 0);
  table[HEADER.counted] = 9;
  table[HEADER.leftOut] = 2;
  table[HEADER_INTS + 3] = 1; // one left out outside the script (mpheap's own)
  table[HEADER.canaryState] = 1;
  table[HEADER.canaries] = 3;
  const p = boardProfile({
    scriptName: 'app.py',
    source,
    slots,
    table,
    trialCanaries: 2,
    blockSize: 16,
    probes: code.probes,
    insertedLines: code.inserted,
    probeBytes: 700,
    inputBufferBytes: 512,
    codeBytes: 96,
  });

  it('has the lines of the exact profile, what the probes cannot know null', () => {
    expect(p.exact).toBe(false);
    expect(p.lines.map((l) => [l.line, l.function, l.bytes])).toEqual([
      [2, 'f', 128],
      [1, '<module>', 16],
    ]);
    expect(Object.keys(p.lines[0]).sort()).toEqual(
      [
        'aliveAtEnd',
        'aliveAtPeak',
        'aliveBytesAtEnd',
        'allocations',
        'bytes',
        'file',
        'function',
        'line',
        'text',
      ].sort(),
    );
    expect(p.lines[0]).toMatchObject({
      allocations: null,
      aliveAtEnd: null,
      aliveBytesAtEnd: null,
      text: 'a = bytearray(100)',
    });
    expect(p.functions.find((f) => f.function === 'f')).toMatchObject({
      bytes: 128,
      totalBytes: null,
      line: 1,
    });
  });

  it('counts what was left out, and mpheap’s own apart', () => {
    expect(p.board).toMatchObject({ collectionsSeenBy: 'canary', leftOut: 1, intervals: 10 });
    expect(p.board?.footprint).toEqual({
      probeBytes: 700,
      inputBufferBytes: 512,
      codeBytes: 96,
      canaryBytes: 16,
    });
    expect(p.other).toEqual([
      {
        owner: 'mpheap',
        allocations: null,
        bytes: 700 + 512 + 96 + 16,
        aliveAtEnd: null,
        aliveBytesAtEnd: 1308,
      },
    ]);
    expect(p.precision).toMatch(/left out: 1 of 10 \(seen by a canary block\)/);
  });
});
