import { describe, expect, it } from 'vitest';
import { guardForMemoryError, unshiftError } from '../../src/run/memory-error-guard.js';

describe('guardForMemoryError', () => {
  it('puts try: on a blank or comment first line, so line numbers stay the script’s own', () => {
    const g = guardForMemoryError('# logger\nx = 1\nif x:\n    y = 2\n');
    expect(g.shift).toBe(0);
    const lines = g.code.split('\n');
    expect(lines.slice(0, 4)).toEqual(['try:', ' x = 1', ' if x:', '     y = 2']);
    expect(g.code).toContain(
      "except MemoryError:\n print('#mpheap memory_error')\n __import__('micropython').mem_info(1)\n raise\n",
    );
  });

  it('adds a line before a script that starts with code, and leaves multi-line strings alone', () => {
    const g = guardForMemoryError('s = """a\nb\n  c"""\nt = 1\n');
    expect(g.shift).toBe(1);
    expect(g.code.split('\n').slice(0, 5)).toEqual(['try:', ' s = """a', 'b', '  c"""', ' t = 1']);
  });

  it('moves traceback lines back and drops the guard’s own raise', () => {
    const g = guardForMemoryError('a = 1\nb = bytearray(10**6)\n');
    const error = {
      type: 'MemoryError',
      message: 'memory allocation failed, allocating 1000000 bytes',
      traceback:
        'Traceback (most recent call last):\n  File "main.py", line 3, in <module>\n  File "main.py", line 9, in <module>\nMemoryError: memory allocation failed, allocating 1000000 bytes\n',
      line: 9,
    };
    const fixed = unshiftError(error, g, 'main.py');
    expect(fixed.line).toBe(2);
    expect(fixed.traceback).toBe(
      'Traceback (most recent call last):\n  File "main.py", line 2, in <module>\nMemoryError: memory allocation failed, allocating 1000000 bytes\n',
    );
    // A board ends its lines with \r\n and prints the guard's raise first.
    const board = unshiftError(
      {
        ...error,
        traceback:
          'Traceback (most recent call last):\r\n  File "main.py", line 9, in <module>\r\n  File "main.py", line 3, in <module>\r\nMemoryError: memory allocation failed, allocating 1000000 bytes\r\n',
        line: 3,
      },
      g,
      'main.py',
    );
    expect(board.line).toBe(2);
    expect(board.traceback).toBe(
      'Traceback (most recent call last):\r\n  File "main.py", line 2, in <module>\r\nMemoryError: memory allocation failed, allocating 1000000 bytes\r\n',
    );
  });
});
