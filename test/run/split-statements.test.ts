import { describe, expect, it } from 'vitest';
import { codeAtItsLine, splitTopLevel } from '../../src/run/split-statements.js';

const lines = (src: string) => splitTopLevel(src).map((s) => [s.line, s.endLine]);

describe('splitTopLevel', () => {
  it('splits simple statements and keeps blocks whole', () => {
    const src = 'import gc\nx = 1\n\nfor i in range(3):\n    x += i\n\n    print(x)\nprint("done")\n';
    expect(lines(src)).toEqual([
      [1, 1],
      [2, 2],
      [4, 7],
      [8, 8],
    ]);
    expect(splitTopLevel(src)[2].code).toBe('for i in range(3):\n    x += i\n\n    print(x)');
  });

  it('keeps else/elif/except/finally and decorators with their statement', () => {
    const src = [
      'if a:',
      '    pass',
      'elif b:',
      '    pass',
      'else:',
      '    pass',
      'try:',
      '    f()',
      'except ValueError:',
      '    pass',
      'finally:',
      '    g()',
      '@decorate',
      '@another(1)',
      'def f():',
      '    return 1',
      'while x:',
      '    x -= 1',
      'else:',
      '    pass',
    ].join('\n');
    expect(lines(src)).toEqual([
      [1, 6],
      [7, 12],
      [13, 16],
      [17, 20],
    ]);
  });

  it('does not split inside brackets, strings or backslash continuations', () => {
    const src = [
      'data = [',
      '1,',
      '2]',
      'text = """',
      'not = a statement',
      '"""',
      "s = 'a # not a comment ('",
      'total = 1 + \\',
      '2',
      'd = {"k": (1,',
      '# a comment inside',
      ')}',
      'last = 1',
    ].join('\n');
    expect(lines(src)).toEqual([
      [1, 3],
      [4, 6],
      [7, 7],
      [8, 9],
      [10, 12],
      [13, 13],
    ]);
  });

  it('leaves out comments and blank lines around statements and summarises each', () => {
    const src =
      '# header\n\nx = 1  # set x\n# between\n\ny = "a very long string that goes on and on and on and on and on and on"\n';
    const s = splitTopLevel(src);
    expect(s.map((t) => [t.line, t.endLine])).toEqual([
      [3, 3],
      [6, 6],
    ]);
    expect(s[0].summary).toBe('x = 1  # set x');
    expect(s[1].summary).toHaveLength(60);
    expect(s[1].summary.endsWith('...')).toBe(true);
  });

  it('pads code so engine line numbers are the script lines', () => {
    const s = splitTopLevel('a = 1\n\nb = 2\n')[1];
    expect(codeAtItsLine(s)).toBe('\n\nb = 2');
  });

  it('handles CRLF and an empty script', () => {
    expect(lines('a = 1\r\nif a:\r\n    b = 2\r\n')).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(splitTopLevel('')).toEqual([]);
    expect(splitTopLevel('# only a comment\n')).toEqual([]);
  });
});
