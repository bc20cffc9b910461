/**
 * Catching the moment of a MemoryError on a board.
 *
 * After an uncaught MemoryError the script's objects are still alive at the REPL, and a full heap
 * cannot even compile the few lines mpheap sends to take a snapshot. So the script itself is run
 * inside `try: … except MemoryError:` whose handler prints the `memory_error` marker and
 * `mem_info(1)` (printing needs no heap) and re-raises, so the board reports the error exactly as
 * it would have. The script is indented by one space (never inside a multi-line string), and
 * `try:` takes the place of a blank or comment first line when there is one, so line numbers
 * stay the script's own; otherwise they are one more, and `unshiftError` puts them back.
 */
import type { PythonErrorInfo } from '../engines/engine.js';
import { indentCode } from '../engines/python/scan.js';
import { mapTracebackLines } from '../engines/traceback.js';
import { escapeRegExp } from '../util/text.js';

export interface GuardedCode {
  code: string;
  /** How many lines the guard added before the script's first line (0 or 1). */
  shift: number;
  /** The script's last line in the guarded code's numbering: later lines are the guard's own. */
  lastScriptLine: number;
}

const HANDLER = [
  ' pass',
  'except MemoryError:',
  " print('#mpheap memory_error')",
  " __import__('micropython').mem_info(1)",
  ' raise',
  '',
].join('\n');

/**
 * `finallyCode`: one line run however the script ends, after the handler (the profile's probe
 * closing the script's last interval).
 */
export function guardForMemoryError(source: string, finallyCode?: string): GuardedCode {
  const text = source.replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const indented = indentCode(text, ' ');
  const firstIsFree = lines.length > 1 && (lines[0].trim() === '' || lines[0].trim().startsWith('#'));
  const shift = firstIsFree ? 0 : 1;
  const body = firstIsFree ? ['try:', ...indented.slice(1)] : ['try:', ...indented];
  const handler = finallyCode === undefined ? HANDLER : `${HANDLER}finally:\n ${finallyCode}\n`;
  return { code: `${body.join('\n')}\n${handler}`, shift, lastScriptLine: lines.length + shift };
}

/**
 * The error as the unguarded script would have reported it: line numbers moved back by the
 * shift, and the traceback entry of the guard's own `raise` left out.
 */
export function unshiftError(error: PythonErrorInfo, guard: GuardedCode, filename: string): PythonErrorInfo {
  const traceback = mapTracebackLines(error.traceback, filename, (n) =>
    n > guard.lastScriptLine ? null : n - guard.shift,
  );
  let line = error.line;
  if (line !== null) {
    // The guard's raise is the last entry; the script's own line is the one before it.
    const own = [...traceback.matchAll(new RegExp(`File "${escapeRegExp(filename)}", line (\\d+)`, 'g'))];
    line = own.length ? Number(own[own.length - 1][1]) : Math.max(1, line - guard.shift);
  }
  return { ...error, traceback, line };
}
