/**
 * The decoder's public contract (implemented in this folder; engines, devices and views code
 * against these names).
 *
 *   const d = createDecoder({ source: 'serial:/dev/ttyACM0', onSnapshot, onOutput, onWarning });
 *   d.feed(chunk);   // Uint8Array or string, any chunking, as bytes arrive
 *   d.end();         // input finished: a dump cut short is emitted, marked incomplete
 *
 *   decodeText(text, source) -> { snapshots, output, warnings }   // the whole input at once
 *
 * Snapshots are emitted as soon as they are complete, in order, with `seq` counting from 0.
 * Program output (everything that is not diagnostics) goes to onOutput as it is recognised, and
 * the output since the previous snapshot is also kept in `snapshot.outputBefore`. A `#mpheap …`
 * marker line (markers.ts) labels the snapshot that follows it. Nothing throws on bad input.
 */
import type { HeapSnapshot } from '../snapshot/snapshot.js';

export interface DecodeWarning {
  message: string;
  /** 1-based line of the input where it was noticed. */
  line: number;
  /** Byte offset in the input. */
  offset: number;
}

export interface DecoderOptions {
  /** Goes into every snapshot's `source`. */
  source: string;
  onSnapshot: (s: HeapSnapshot) => void;
  onOutput?: (text: string) => void;
  onWarning?: (w: DecodeWarning) => void;
  /**
   * Block size when the capture cannot tell (--word, or the engine's word size). Without it a
   * snapshot whose block size nothing shows says so (`blockSizeKnown: false`, 16 assumed).
   */
  blockSize?: number;
  /**
   * Clock for `snapshot.time` (ms since epoch): default Date.now, right for a live stream where
   * a snapshot is captured as it arrives. null when arrival is not capture (a file): times
   * are then unknown. decodeText defaults to null.
   */
  now?: (() => number) | null;
}

export interface StreamDecoder {
  feed(chunk: Uint8Array | string): void;
  end(): void;
}

export interface DecodeResult {
  snapshots: HeapSnapshot[];
  output: string;
  warnings: DecodeWarning[];
}
