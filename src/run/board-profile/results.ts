/**
 * The probe's table, read back from the board, as the run's HeapProfile (snapshot/profile.ts)
 * with `exact: false`: per script line the net bytes across it, per function the sum of its
 * lines, mpheap's own share apart, and a precision sentence that says what is and is not counted.
 */
import type {
  BoardProbeReport,
  HeapProfile,
  ProfileFunction,
  ProfileLine,
  ProfileOther,
} from '../../snapshot/profile.js';
import { formatBytes } from '../../util/size.js';
import { byBytes } from '../profile.js';
import { functionsByLine } from '../source-functions.js';
import type { ProbeSlots } from './instrument.js';
import { HEADER, HEADER_INTS, SLOT_WIDTH } from './probe-code.js';

export interface BoardTable extends MeasuredFootprint {
  scriptName: string;
  source: string;
  slots: ProbeSlots;
  /** The probe's table as printed at the end of the run. */
  table: Int32Array;
  /** Canaries the probe made when it was tried, before the script. */
  trialCanaries: number;
  blockSize: number;
  probes: number;
  insertedLines: number;
}

/** mpheap's own heap, measured on the board before the run (null: could not be measured). */
export interface MeasuredFootprint {
  /** The probe with its table. */
  probeBytes: number | null;
  /** What the raw REPL's input buffer grew by to take the probe's setup. */
  inputBufferBytes: number | null;
  /** What the probes add to the script's text and bytecode. */
  codeBytes: number | null;
}

interface SlotCounts {
  bytes: number;
  runs: number;
  allocatingRuns: number;
  leftOut: number;
}

export function boardProfile(t: BoardTable): HeapProfile {
  const at = (i: number) => t.table[i] ?? 0;
  const slot = (k: number): SlotCounts => {
    const j = HEADER_INTS + SLOT_WIDTH * k;
    return { bytes: at(j), runs: at(j + 1), allocatingRuns: at(j + 2), leftOut: at(j + 3) };
  };
  const expected = HEADER_INTS + SLOT_WIDTH * t.slots.count;
  if (t.table.length !== expected)
    throw new Error(`the probe's table has ${t.table.length} entries, not ${expected}`);

  const fnByLine = functionsByLine(t.source);
  const sourceLines = t.source.replace(/\r\n?/g, '\n').split('\n');
  const byLine = new Map<number, SlotCounts>();
  const mpheap: SlotCounts = { bytes: 0, runs: 0, allocatingRuns: 0, leftOut: 0 };
  const add = (to: SlotCounts, c: SlotCounts) => {
    to.bytes += c.bytes;
    to.runs += c.runs;
    to.allocatingRuns += c.allocatingRuns;
    to.leftOut += c.leftOut;
  };
  for (let k = 1; k < t.slots.count; k++) {
    const c = slot(k);
    if (t.slots.owners[k] === 'mpheap') {
      add(mpheap, c);
      continue;
    }
    const line = t.slots.lines[k];
    let entry = byLine.get(line);
    if (!entry) {
      entry = { bytes: 0, runs: 0, allocatingRuns: 0, leftOut: 0 };
      byLine.set(line, entry);
    }
    add(entry, c);
  }

  const lines: ProfileLine[] = [];
  for (const [line, c] of byLine) {
    if (c.bytes === 0) continue;
    lines.push({
      file: t.scriptName,
      line,
      function: fnByLine[line - 1]?.name ?? '<module>',
      allocations: null,
      bytes: c.bytes,
      aliveAtEnd: null,
      aliveBytesAtEnd: null,
      aliveAtPeak: null,
      text: (sourceLines[line - 1] ?? '').trim(),
    });
  }
  lines.sort(byBytes);

  const functions = new Map<string, ProfileFunction>();
  for (const l of lines) {
    let f = functions.get(l.function);
    if (!f) {
      f = {
        file: l.file,
        function: l.function,
        line: fnByLine[l.line - 1]?.defLine ?? 0,
        allocations: null,
        bytes: 0,
        totalAllocations: null,
        totalBytes: null,
        aliveAtEnd: null,
      };
      functions.set(l.function, f);
    }
    f.bytes += l.bytes;
  }

  // Intervals outside the script (slot 0: before its first statement, after it ended) are mpheap's.
  const outside = slot(0);
  const intervals = at(HEADER.counted) - outside.runs;
  const leftOut = at(HEADER.leftOut) - outside.leftOut;
  const canaryState = at(HEADER.canaryState);
  const canaries = at(HEADER.canaries) - t.trialCanaries;
  const footprint = {
    probeBytes: t.probeBytes,
    inputBufferBytes: t.inputBufferBytes,
    codeBytes: t.codeBytes,
    canaryBytes: canaries * t.blockSize,
  };
  const board: BoardProbeReport = {
    collectionsSeenBy: canaryState === 1 ? 'canary' : 'mem_alloc',
    probes: t.probes,
    insertedLines: t.insertedLines,
    intervals: intervals + leftOut,
    leftOut,
    unwatched: at(HEADER.unwatched),
    footprint,
    lines: [...byLine]
      .sort(([a], [b]) => a - b)
      .map(([line, c]) => ({ line, runs: c.runs, allocatingRuns: c.allocatingRuns, leftOut: c.leftOut })),
  };
  const measured =
    (footprint.probeBytes ?? 0) + (footprint.inputBufferBytes ?? 0) + (footprint.codeBytes ?? 0);
  const own = measured + footprint.canaryBytes + mpheap.bytes;
  const other: ProfileOther[] =
    own === 0 && footprint.probeBytes === null
      ? []
      : [
          {
            owner: 'mpheap',
            allocations: null,
            bytes: own,
            aliveAtEnd: null,
            aliveBytesAtEnd: measured,
          },
        ];
  return {
    exact: false,
    precision: boardPrecision(board, canaryState === 2),
    blockSize: t.blockSize,
    collections: leftOut,
    peakUsedBytes: at(HEADER.peak) > 0 ? at(HEADER.peak) : null,
    frames: [],
    stacks: [],
    lines,
    functions: [...functions.values()].sort((a, b) => b.bytes - a.bytes),
    other,
    leaks: [],
    board,
  };
}

/** What a board's figures are, and what they leave out, in one sentence (stated in every view). */
export function boardPrecision(b: BoardProbeReport, canaryGivenUp = false): string {
  const seen =
    b.collectionsSeenBy === 'canary'
      ? 'seen by a canary block'
      : `told by gc.mem_alloc() going down${canaryGivenUp ? ' (the canary was given up)' : ''}: a collection that freed less than the statement allocated is not seen, and a statement that freed more than it allocated is left out too`;
  const unwatched =
    b.collectionsSeenBy === 'canary' && b.unwatched > 0
      ? `; ${formatBytes(b.unwatched)} told by gc.mem_alloc() going down, with no free block for the canary`
      : '';
  return (
    "board estimate from probes between statements: a line's bytes are the net change of gc.mem_alloc() " +
    'across its statement, in whole blocks (what the statement freed itself is subtracted); ' +
    'allocation counts and what stays alive are not known; what runs after a call returns, up to ' +
    "the caller's next statement, is counted to the called function's last line, and a for loop's " +
    'next item to the last line of its body that ran; intervals with a garbage collection in them ' +
    `are left out: ${formatBytes(b.leftOut)} of ${formatBytes(b.intervals)} (${seen}${unwatched})`
  );
}
