/**
 * The Python `mpheap run` sends between the script's own code to take a snapshot: a marker line
 * (src/decode/markers.ts) and `mem_info(1)`. It binds no name in the script's globals
 * (`__import__` instead of `import`), so the script sees the namespace it would see on its own.
 * Works on MicroPython 1.9 and later.
 */
import { formatMarker, type SnapshotMarker } from '../decode/markers.js';
import { pythonString } from '../engines/python/quote.js';

export function snapshotCode(
  trigger: SnapshotMarker['trigger'],
  arg: string | number | null = null,
  collectFirst = false,
): string {
  const marker = formatMarker(trigger, arg);
  // EngineInfo.collectBeforeStart: the garbage of mpheap's own setup is nobody's.
  // An `if`, not an expression: a REPL would print what collect() returns on builds that return a count.
  const collect = collectFirst ? "if __import__('gc').collect():pass\n" : '';
  return `${collect}print(${pythonString(marker)})\n__import__('micropython').mem_info(1)\n`;
}
