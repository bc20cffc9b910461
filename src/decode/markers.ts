/**
 * Lines mpheap's own helper module prints around a snapshot, so the decoder can attach a label
 * and a trigger to the `mem_info(1)` that follows. They are plain text, so they survive any
 * serial link, and MicroPython 1.9.2 can print them (no f-strings, no json module needed).
 *
 *   #mpheap snap <label>        the next mem_info output is the snapshot called <label>
 *   #mpheap memory_error <n>    the next mem_info output was taken after a MemoryError for n bytes
 */
import type { SnapshotTrigger } from '../snapshot/snapshot.js';

export const MARKER_PREFIX = '#mpheap ';

export interface SnapshotMarker {
  trigger: Extract<SnapshotTrigger, 'snap' | 'memory_error' | 'step' | 'start' | 'end' | 'poll'>;
  /** The label (snap), the statement (step), or null. */
  label: string | null;
  /** Bytes requested, for memory_error when known. */
  requested: number | null;
}

const TRIGGERS = new Set(['snap', 'memory_error', 'step', 'start', 'end', 'poll']);

/** Parses a marker line (without its line ending); null when the line is not a marker. */
export function parseMarker(line: string): SnapshotMarker | null {
  if (!line.startsWith(MARKER_PREFIX)) return null;
  const rest = line.slice(MARKER_PREFIX.length);
  const space = rest.indexOf(' ');
  const word = space < 0 ? rest : rest.slice(0, space);
  if (!TRIGGERS.has(word)) return null;
  const arg = space < 0 ? '' : rest.slice(space + 1).trim();
  const trigger = word as SnapshotMarker['trigger'];
  if (trigger === 'memory_error') {
    const n = /^\d+$/.test(arg) ? Number(arg) : null;
    return { trigger, label: null, requested: n };
  }
  return { trigger, label: arg === '' ? null : arg, requested: null };
}

/** The marker line for a label (newlines in labels are flattened so the marker stays one line). */
export function formatMarker(trigger: SnapshotMarker['trigger'], arg: string | number | null = null): string {
  const text = arg === null ? '' : ` ${String(arg).replace(/[\r\n]+/g, ' ')}`;
  return `${MARKER_PREFIX}${trigger}${text}`;
}
