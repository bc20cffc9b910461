/**
 * The frame code runs in on a board (src/device/verified-exec.ts), as text: the script inside it
 * unchanged but for two spaces of indent outside multi-line strings, and tracebacks numbered as
 * the script. fast-check writes scripts with strings spanning lines, blank lines and long lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_LINES, frameCode, tracebackOfFramed } from '../../src/device/verified-exec.js';

const LINE = fc.oneof(
  fc.constantFrom('x = 1', 'def f():', '    return 2', '', '# note', 'print("a\\nb")', 'y = [', '  1, 2]'),
  fc.string({ unit: fc.constantFrom('a', ' ', '=', '1', '(', ')', "'", '#', 'é'), maxLength: 400 }),
);
const BLOCK = fc.oneof(
  { weight: 4, arbitrary: fc.array(LINE, { minLength: 1, maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom('', '  indented', 'text', "it's"), { maxLength: 4 })
      .map((inside) => [`s = """start`, ...inside, 'end"""']),
  },
);

describe('the frame', () => {
  it('holds the script unchanged but for its indent, outside multi-line strings only', () => {
    const code = 'a = 1\ns = """x\n  kept as is\n"""\nif a:\n    b = 2\n';
    const lines = frameCode(code).split('\n');
    expect(lines.slice(FRAME_LINES, FRAME_LINES + 7)).toEqual([
      '  a = 1',
      '  s = """x',
      '  kept as is',
      '"""',
      '  if a:',
      '      b = 2',
      '',
    ]);
  });

  it('gives any script back line for line', () => {
    fc.assert(
      fc.property(fc.array(BLOCK, { maxLength: 12 }), (blocks) => {
        const code = blocks.flat().join('\n');
        const framed = frameCode(code).split('\n');
        const own = code.replace(/\r\n?/g, '\n').split('\n');
        const body = framed.slice(FRAME_LINES, FRAME_LINES + own.length);
        expect(body.map((l, i) => (l === own[i] ? l : l.slice(2)))).toEqual(own);
      }),
      { numRuns: 300 },
    );
  });

  it("numbers tracebacks as the script, and credits the helper's frames to it", () => {
    const tb = [
      'Traceback (most recent call last):',
      `  File "<stdin>", line ${FRAME_LINES + 6}, in <module>`,
      `  File "<stdin>", line ${FRAME_LINES + 2}, in f`,
      '  File "<string>", line 3, in _mpheap_snap',
      'MemoryError: memory allocation failed',
    ].join('\r\n');
    expect(tracebackOfFramed(tb, 'main.py', new Map([['_mpheap_snap', 'mpheap']])).split('\n')).toEqual([
      'Traceback (most recent call last):',
      '  File "main.py", line 6, in <module>',
      '  File "main.py", line 2, in f',
      '  File "mpheap", line 3, in _mpheap_snap',
      'MemoryError: memory allocation failed',
    ]);
  });
});
