/**
 * Reading a MicroPython traceback: the exception type and message from its last line, and the
 * line of the user's script where it was raised. Every engine prints tracebacks the same way, so
 * this is shared by all of them.
 *
 *   Traceback (most recent call last):
 *     File "<stdin>", line 5, in <module>
 *     File "<stdin>", line 2, in f
 *   ValueError: x
 */
import { escapeRegExp } from '../util/text.js';
import type { PythonErrorInfo } from './engine.js';

/**
 * @param traceback the whole text as MicroPython printed it
 * @param type the type when the engine already knows it (the WebAssembly engine does)
 * @param codeName the name the engine gave the code in `File "…"` lines (`<stdin>`)
 */
export function parseTraceback(
  traceback: string,
  type: string | null,
  codeName = '<stdin>',
): PythonErrorInfo {
  const lines = traceback
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1] ?? '';
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last.trim());
  const foundType = m ? m[1] : null;
  const errType = type ?? foundType ?? 'Exception';
  const message = m && foundType === errType ? (m[2] ?? '') : last.trim();
  // The innermost frame in the user's code is where it was raised.
  let line: number | null = null;
  const frame = new RegExp(`File "${escapeRegExp(codeName)}", line (\\d+)`);
  for (const l of lines) {
    const f = frame.exec(l);
    if (f) line = Number(f[1]);
  }
  return { type: errType, message, traceback, line };
}

/** Renames the code in `File "…"` lines, so tracebacks name the user's file. */
export function renameTracebackFile(traceback: string, from: string, to: string): string {
  return traceback.split(`File "${from}"`).join(`File "${to}"`);
}

/** Where a `File "…", line N` entry of a traceback points: its file's name and line. */
export interface TracebackPlace {
  file: string;
  line: number;
}

/**
 * Each `File "<file>", line N…` entry of a traceback (lines split at `\n`) passed to `fn`, which
 * gets its line, the rest of the entry (`, in f`) and which of `files` it names, and returns
 * the entry's new line (same file), a new file and line, or null to leave the entry out. Other
 * lines are kept as they are.
 */
export function mapTracebackLines(
  traceback: string,
  files: string | readonly string[],
  fn: (line: number, rest: string, file: string) => number | TracebackPlace | null,
): string {
  const names = (typeof files === 'string' ? [files] : files).map(escapeRegExp).join('|');
  const entry = new RegExp(`^(\\s*)File "(${names})", line (\\d+)([^\\n]*)$`);
  const out: string[] = [];
  for (const line of traceback.split('\n')) {
    const m = entry.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const [, indent, file, n, rest] = m;
    const to = fn(Number(n), rest, file);
    if (to === null) continue;
    const place = typeof to === 'number' ? { file, line: to } : to;
    out.push(`${indent}File "${place.file}", line ${place.line}${rest}`);
  }
  return out.join('\n');
}

/** `memory allocation failed, allocating 2048 bytes` → 2048; null when the message has no size. */
export function requestedBytesOf(message: string): number | null {
  // In a full heap MicroPython formats the message into a small emergency buffer and may cut its
  // end ("allocating 100 byte"): the number is whole as long as " byte" follows it.
  const m = /allocating (\d+) byte/.exec(message);
  return m ? Number(m[1]) : null;
}
