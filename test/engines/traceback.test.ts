import { describe, expect, it } from 'vitest';
import {
  mapTracebackLines,
  parseTraceback,
  renameTracebackFile,
  requestedBytesOf,
} from '../../src/engines/traceback.js';

describe('tracebacks', () => {
  const tb =
    'Traceback (most recent call last):\n  File "<stdin>", line 5, in <module>\n  File "<stdin>", line 2, in f\nMemoryError: memory allocation failed, allocating 2048 bytes\n';

  it('reads type, message and the innermost line', () => {
    expect(parseTraceback(tb, null)).toEqual({
      type: 'MemoryError',
      message: 'memory allocation failed, allocating 2048 bytes',
      traceback: tb,
      line: 2,
    });
  });

  it('reads an exception without a message and a syntax error', () => {
    const bare =
      'Traceback (most recent call last):\n  File "<stdin>", line 3, in <module>\nKeyboardInterrupt: \n';
    expect(parseTraceback(bare, null)).toMatchObject({ type: 'KeyboardInterrupt', message: '', line: 3 });
    const syntax =
      'Traceback (most recent call last):\n  File "<stdin>", line 7\nSyntaxError: invalid syntax\n';
    expect(parseTraceback(syntax, 'SyntaxError')).toMatchObject({ message: 'invalid syntax', line: 7 });
  });

  it('renames the code file and finds lines under the new name', () => {
    const renamed = renameTracebackFile(tb, '<stdin>', 'app.py');
    expect(renamed).toContain('File "app.py", line 5');
    expect(parseTraceback(renamed, null, 'app.py').line).toBe(2);
  });

  it('maps the line of each entry of one file, renames it or leaves it out; other lines stay', () => {
    const two =
      'Traceback:\n  File "a.py", line 7, in <module>\n  File "b.py", line 3, in g\n  File "a.py", line 9, in f\nE: x';
    expect(mapTracebackLines(two, 'a.py', (n) => n - 1)).toBe(
      'Traceback:\n  File "a.py", line 6, in <module>\n  File "b.py", line 3, in g\n  File "a.py", line 8, in f\nE: x',
    );
    expect(mapTracebackLines(two, 'a.py', (n) => (n > 8 ? null : n))).toBe(
      'Traceback:\n  File "a.py", line 7, in <module>\n  File "b.py", line 3, in g\nE: x',
    );
    expect(
      mapTracebackLines(two, ['a.py', 'b.py'], (n, rest, file) =>
        rest === ', in g' ? { file: 'lib.py', line: n } : { file: `${file}!`, line: n },
      ),
    ).toBe(
      'Traceback:\n  File "a.py!", line 7, in <module>\n  File "lib.py", line 3, in g\n  File "a.py!", line 9, in f\nE: x',
    );
    // The name is matched as it is written, not as a pattern.
    expect(mapTracebackLines('  File "a+py", line 2\n  File "aapy", line 2', 'a+py', () => 5)).toBe(
      '  File "a+py", line 5\n  File "aapy", line 2',
    );
  });

  it('takes the requested size from a MemoryError message', () => {
    expect(requestedBytesOf('memory allocation failed, allocating 6000 bytes')).toBe(6000);
    expect(requestedBytesOf('memory allocation failed, heap is locked')).toBeNull();
    // Cut short by a full heap: the number is whole while " byte" follows it, else unknown.
    expect(requestedBytesOf('memory allocation failed, allocating 100 byte')).toBe(100);
    expect(requestedBytesOf('memory allocation failed, allocating 10')).toBeNull();
  });
});
