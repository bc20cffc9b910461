/**
 * The Python `mpheap run` sends between the script's own code to take a snapshot: a marker line
 * (src/decode/markers.ts) and `mem_info(1)`. It binds no name in the script's globals
 * (`__import__` instead of `import`), so the script sees the namespace it would see on its own.
 * Works on MicroPython 1.9 and later.
 */
import { formatMarker, type SnapshotMarker } from '../decode/markers.js';

export function snapshotCode(trigger: SnapshotMarker['trigger'], arg: string | number | null = null): string {
  const marker = formatMarker(trigger, arg);
  return `print(${pythonString(marker)})\n__import__('micropython').mem_info(1)\n`;
}

/** A Python string literal for any text (ASCII escapes only, so old firmware reads it too). */
export function pythonString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}
