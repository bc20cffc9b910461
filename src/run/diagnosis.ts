/**
 * Why a MemoryError happened, from the size it asked for and the heap when it happened (or right
 * after, where the engine cannot capture the moment itself): too little memory, too fragmented,
 * or (only on an engine that collects between top-level calls alone) garbage that a board would
 * have collected. On an engine that collects as a board does, the heap at a failed allocation is
 * the heap right after gc.c's own collection, so garbage is never the cause there.
 */
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
  blockSize = 16,
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
  // gc_alloc wants whole blocks: 3,000 bytes need 188 blocks of 16, a 3,000-byte hole is too small.
  const need = Math.ceil(requested / blockSize) * blockSize;
  if (largestFree >= need) {
    return collectsMidLoop
      ? {
          cause: 'unknown',
          diagnosis:
            `${ask}; the heap captured after the error has a free block of ${formatBytes(largestFree)} bytes, ` +
            'so objects were freed as the error unwound: the heap at the moment of the failure is not known',
        }
      : {
          cause: 'garbage',
          diagnosis:
            `${ask}; after collection the largest free block is ${formatBytes(largestFree)} bytes, so it would fit: ` +
            'the heap was full of garbage this engine collects only between top-level statements ' +
            '(a board collects inside the loop)',
        };
  }
  if (free >= need) {
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
          'a board would have collected'),
  };
}
