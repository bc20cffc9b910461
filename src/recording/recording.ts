/**
 * Recordings: NDJSON, one record per line, appended (and flushed) as each record is captured,
 * so a crash, a reset board or Ctrl-C loses nothing already written. A truncated last line
 * (the process died mid-write) is skipped on reading, with a warning.
 *
 *   {"type":"header","version":1,"tool":"mpheap","engine":{...},"startedAt":...,"command":[...]}
 *   {"type":"snapshot","snapshot":{...StoredSnapshot}}
 *   {"type":"output","time":...,"text":"..."}
 *   {"type":"event","time":...,"event":"memory_error"|"exception"|"timeout"|"gap"|"reconnect"|"budget"|"end", ...}
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { loadSnapshot, type StoredSnapshot, storeSnapshot } from '../snapshot/serialize.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';

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

export class RecordingWriter {
  private fd: number | null;

  constructor(
    readonly path: string,
    header: { startedAt: number; [key: string]: unknown },
    opts: { append?: boolean } = {},
  ) {
    this.fd = openSync(path, opts.append ? 'a' : 'w');
    this.write({ type: 'header', version: RECORDING_VERSION, tool: 'mpheap', ...header });
  }

  snapshot(s: HeapSnapshot): void {
    this.write({ type: 'snapshot', snapshot: storeSnapshot(s) });
  }

  output(text: string, time = Date.now()): void {
    if (text) this.write({ type: 'output', time, text });
  }

  event(event: string, fields: Record<string, unknown> = {}, time = Date.now()): void {
    // The record's own keys go last: a field named `type` or `time` must not turn it into another
    // kind of record (the reader would skip it).
    this.write({ ...fields, type: 'event', time, event });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
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
