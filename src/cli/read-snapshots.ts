/**
 * Reading what `decode` and `report` take: any text holding mem_info output (a log, a capture,
 * standard input), streamed through the decoder, or an mpheap recording. Memory stays bounded by
 * the snapshots: program output is kept as a report keeps it (util/bounded-text.ts).
 */
import { createReadStream } from 'node:fs';
import { createDecoder } from '../decode/index.js';
import { isRecording, parseRecording, type RecordingEvent } from '../recording/recording.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { reportOutput } from '../util/bounded-text.js';
import { CliError, EXIT } from './errors.js';
import { fileErrorWhy } from './io.js';

/** What the input held: its snapshots, and for the HTML report the program output and events. */
export interface Decoded {
  snapshots: HeapSnapshot[];
  /** Program output, its first and last 128 KiB with a note where the rest was left out. */
  output: string;
  events: RecordingEvent[];
  /** What a recording's reader skipped (a torn last line…). */
  warnings: string[];
}

export interface ReadOptions {
  /** Goes into each decoded snapshot's `source`. */
  source: string;
  /** --word / --block-size, where a capture cannot tell. */
  blockSize?: number;
  /** The command, for the hint on a terminal (`mpheap decode FILE reads a file`). */
  command: string;
}

/** Streams the input through the decoder (or reads a recording) and returns what it held. */
export async function readSnapshots(file: string, opts: ReadOptions): Promise<Decoded> {
  const snapshots: HeapSnapshot[] = [];
  const output = reportOutput();
  const decoder = createDecoder({
    source: opts.source,
    blockSize: opts.blockSize,
    // When a log was decoded is not when its snapshots were captured: their time is unknown.
    now: null,
    onSnapshot: (s) => snapshots.push(s),
    onOutput: (text) => output.add(text),
  });
  // On a terminal, reading standard input looks like a hang: say what it waits for.
  if (file === '-' && process.stdin.isTTY)
    process.stderr.write(
      'mpheap: reading standard input: paste the mem_info(1) output, then press Ctrl-D ' +
        `(mpheap ${opts.command} FILE reads a file)\n`,
    );
  const stream = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  let first = true;
  // A recording (told by its first bytes) is decoded whole, once: a character cut between two
  // chunks must not be read as two.
  let recording: Buffer[] | null = null;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (first && isRecording(chunk.subarray(0, 64).toString('utf8'))) recording = [];
      first = false;
      if (recording) recording.push(chunk);
      else decoder.feed(chunk);
    }
  } catch (e) {
    throw new CliError(`cannot read '${file}': ${fileErrorWhy(e)}`, EXIT.BAD_INPUT);
  }
  if (recording) return fromRecording(Buffer.concat(recording).toString('utf8'));
  decoder.end();
  return { snapshots, output: output.text(), events: [], warnings: [] };
}

function fromRecording(text: string): Decoded {
  const rec = parseRecording(text);
  const output = reportOutput();
  for (const o of rec.outputs) output.add(o.text);
  return { snapshots: rec.snapshots, output: output.text(), events: rec.events, warnings: rec.warnings };
}
