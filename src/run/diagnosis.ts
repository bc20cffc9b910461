/**
 * Why a MemoryError happened, from the size it asked for and the heap when it happened (or right
 * after, where the engine cannot capture the moment itself): too
 * little memory, too fragmented, or (on an engine that collects only between top-level calls)
 * garbage that would have been collected on a board.
 */
import { memoryErrorCause } from '../analysis/verdict.js';
import { formatBytes } from '../util/size.js';

export type MemoryErrorCause = 'full' | 'fragmented' | 'garbage' | 'unknown';

export interface MemoryErrorReport {
  /** Bytes the failed allocation asked for (from `allocating N bytes`), null when not said. */
  requested: number | null;
  /** Largest free block and total free bytes in the snapshot taken after it, when one was taken. */
  largestFree: number | null;
  free: number | null;
  /** The label in force when it happened (the --step statement, or the last snap label). */
  label: string | null;
  /** The script line it was raised at. */
  line: number | null;
  /** The seq of the memory_error snapshot, null when none could be taken. */
  seq: number | null;
  cause: MemoryErrorCause;
  diagnosis: string;
}

export function diagnose(
  requested: number | null,
  largestFree: number | null,
  free: number | null,
  collectsMidLoop: boolean,
): { cause: MemoryErrorCause; diagnosis: string } {
  if (requested === null || largestFree === null || free === null) {
    return {
      cause: 'unknown',
      diagnosis:
        requested === null
          ? 'the message did not say how many bytes were asked for'
          : `${formatBytes(requested)} bytes were asked for; no snapshot of the heap could be taken after it`,
    };
  }
  const ask = `${formatBytes(requested)} bytes were asked for`;
  // The same reading of the figures as every view's verdict (analysis/verdict.ts).
  const cause = memoryErrorCause(requested, largestFree, free);
  if (cause === 'fits') {
    return {
      cause: 'garbage',
      diagnosis: collectsMidLoop
        ? `${ask}; the largest free block is now ${formatBytes(largestFree)} bytes, so memory was freed after the failure`
        : `${ask}; after collection the largest free block is ${formatBytes(largestFree)} bytes, so it would fit: ` +
          'the heap was full of garbage this engine collects only between top-level statements ' +
          '(a board collects inside the loop; try --step, or call gc.collect() in the loop on the board)',
    };
  }
  if (cause === 'fragmented') {
    return {
      cause: 'fragmented',
      diagnosis:
        `${ask} but the largest free block is ${formatBytes(largestFree)} bytes, although ` +
        `${formatBytes(free)} bytes are free in total: the heap is fragmented ` +
        '(allocate large buffers early and keep them, or free the small objects between them)',
    };
  }
  return {
    cause: 'full',
    diagnosis:
      `${ask} but only ${formatBytes(free)} bytes are free (largest block ${formatBytes(largestFree)}): ` +
      'the heap is full (hold fewer objects, or give the heap more RAM)' +
      (collectsMidLoop
        ? ''
        : '; this engine collects only between top-level statements, so some of it may be garbage ' +
          'a board would have collected: try --step'),
  };
}
