import { describe, expect, it } from 'vitest';
import { parseTraceback, renameTracebackFile, requestedBytesOf } from '../../src/engines/traceback.js';

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

  it('takes the requested size from a MemoryError message', () => {
    expect(requestedBytesOf('memory allocation failed, allocating 6000 bytes')).toBe(6000);
    expect(requestedBytesOf('memory allocation failed, heap is locked')).toBeNull();
    // Cut short by a full heap: the number is whole while " byte" follows it, else unknown.
    expect(requestedBytesOf('memory allocation failed, allocating 100 byte')).toBe(100);
    expect(requestedBytesOf('memory allocation failed, allocating 10')).toBeNull();
  });
});
