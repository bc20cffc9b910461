/**
 * Recordings: NDJSON, one record per line, appended (and flushed) as each record is captured,
 * so a crash, a reset board or Ctrl-C loses nothing already written. A truncated last line
 * (the process died mid-write) is skipped on reading, with a warning.
 *
 *   {"type":"header","version":1,"tool":"mpheap","engine":{...},"startedAt":...,"command":[...]}
 *   {"type":"snapshot","snapshot":{...StoredSnapshot}}
 *   {"type":"output","time":...,"text":"..."}
 *   {"type":"event","time":...,"event":"memory_error"|"exception"|"timeout"|"gap"|"reconnect"|"budget"|"end", ...}
 *
 * Program output is kept whole up to 1 MiB; past that only its last 256 KiB, written on close
 * after an `output_cut` event (`leftOut`: characters not kept) and a note in the output itself.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { loadSnapshot, type StoredSnapshot, storeSnapshot } from '../snapshot/serialize.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { BoundedText } from '../util/bounded-text.js';

export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  type: 'header';
  version: number;
  tool: 'mpheap';
  startedAt: number;
  [key: string]: unknown;
}

export interface RecordingEvent {
  type: 'event';
  time: number;
  event: string;
  [key: string]: unknown;
}

export type RecordLine =
  | RecordingHeader
  | { type: 'snapshot'; snapshot: StoredSnapshot }
  | { type: 'output'; time: number; text: string }
  | RecordingEvent;

export interface RecordingOptions {
  /** Add to the file instead of replacing it (monitor). */
  append?: boolean;
  /** Program output written as it comes, in characters (default 1 MiB)… */
  outputHead?: number;
  /** …then only the last this many are kept, written when the recording closes (default 256 KiB). */
  outputTail?: number;
}

export class RecordingWriter {
  private fd: number | null;
  private readonly outputHead: number;
  private outputWritten = 0;
  /** Output past the head: its tail, held until close (the snapshots keep what came before them). */
  private readonly held: BoundedText;
  private heldTime = 0;

  constructor(
    readonly path: string,
    header: { startedAt: number; [key: string]: unknown },
    opts: RecordingOptions = {},
  ) {
    this.fd = openSync(path, opts.append ? 'a' : 'w');
    this.outputHead = opts.outputHead ?? 1024 * 1024;
    this.held = new BoundedText(0, opts.outputTail ?? 256 * 1024);
    this.write({ type: 'header', version: RECORDING_VERSION, tool: 'mpheap', ...header });
  }

  snapshot(s: HeapSnapshot): void {
    this.write({ type: 'snapshot', snapshot: storeSnapshot(s) });
  }

  /**
   * Program output: written at once up to `outputHead` characters in all, so a crash keeps it;
   * past that only its last `outputTail` characters are kept, and written on close() after a
   * note of how much was left out (a script printing 10 MB makes no 10 MB recording).
   */
  output(text: string, time = Date.now()): void {
    if (!text) return;
    const room = this.outputHead - this.outputWritten;
    if (room > 0) {
      const now = text.slice(0, room);
      this.write({ type: 'output', time, text: now });
      this.outputWritten += now.length;
      text = text.slice(now.length);
    }
    if (text) {
      this.held.add(text);
      this.heldTime = time;
    }
  }

  event(event: string, fields: Record<string, unknown> = {}, time = Date.now()): void {
    // The record's own keys go last: a field named `type` or `time` must not turn it into another
    // kind of record (the reader would skip it).
    this.write({ ...fields, type: 'event', time, event });
  }

  close(): void {
    if (this.fd === null) return;
    if (this.held.length > 0) {
      if (this.held.dropped > 0) this.event('output_cut', { leftOut: this.held.dropped }, this.heldTime);
      this.write({ type: 'output', time: this.heldTime, text: this.held.text() });
    }
    closeSync(this.fd);
    this.fd = null;
  }

  private write(line: RecordLine): void {
    if (this.fd === null) throw new Error(`recording ${this.path} is closed`);
    // One write per record: a record is either whole on disk or (if we die mid-write) the last,
    // partial line that the reader skips.
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }
}

export interface Recording {
  headers: RecordingHeader[];
  snapshots: HeapSnapshot[];
  outputs: { time: number; text: string }[];
  events: RecordingEvent[];
  warnings: string[];
}

/** True when the text looks like a recording (its first line is an mpheap header). */
export function isRecording(text: string): boolean {
  return /^\{"type":"header","version":\d+,"tool":"mpheap"/.test(text);
}

export function parseRecording(text: string): Recording {
  const rec: Recording = { headers: [], snapshots: [], outputs: [], events: [], warnings: [] };
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let obj: RecordLine;
    try {
      obj = JSON.parse(line) as RecordLine;
    } catch {
      rec.warnings.push(
        i === lines.length - 1
          ? `line ${i + 1}: truncated last record skipped`
          : `line ${i + 1}: not JSON, skipped`,
      );
      return;
    }
    switch (obj.type) {
      case 'header':
        rec.headers.push(obj);
        break;
      case 'snapshot':
        try {
          rec.snapshots.push(loadSnapshot(obj.snapshot));
        } catch (e) {
          rec.warnings.push(`line ${i + 1}: ${(e as Error).message}`);
        }
        break;
      case 'output':
        rec.outputs.push({ time: obj.time, text: obj.text });
        break;
      case 'event':
        rec.events.push(obj);
        break;
      default:
        rec.warnings.push(`line ${i + 1}: unknown record type skipped`);
    }
  });
  return rec;
}

export function readRecording(path: string): Recording {
  return parseRecording(readFileSync(path, 'utf8'));
}
