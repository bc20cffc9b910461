/**
 * `mpheap run --profile` on an engine that cannot see each allocation (a board with stock
 * firmware): the script runs with probes between its statements (./instrument.ts), the probe
 * and its table are set up on the board first (./probe-code.ts), and the table read at the end
 * becomes the profile (./results.ts). mpheap's own heap is measured on the board as it goes:
 * the probe with its table (heap in use before and after setting it up, each after a collection),
 * and what the probes add to the script's text and bytecode (the script and its instrumented copy
 * compiled, not run, one after the other).
 */
import { decodeText } from '../../decode/index.js';
import type { Engine, ExecResult, PythonErrorInfo } from '../../engines/engine.js';
import { mapTracebackLines } from '../../engines/traceback.js';
import type { HeapProfile } from '../../snapshot/profile.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { findAllocationTable, windowBytes } from './atb.js';
import { type InstrumentedCode, instrument, ProbeSlots, scriptLineOf } from './instrument.js';
import {
  CLEANUP_CODE,
  CLOSING_CALL,
  codeSizeCode,
  HEADER,
  HEADER_INTS,
  MEASURE_CODE,
  PROBE_MARKER,
  type ProbeSetup,
  parseTable,
  probeValue,
  RESULTS_CODE,
  SLOT_WIDTH,
  setupCode,
  TRIAL_CODE,
  windowCode,
} from './probe-code.js';
import { boardProfile, type MeasuredFootprint } from './results.js';
import { TableCatcher } from './table-catcher.js';

/** Each of mpheap's own execs gets this long (the emulated micro:bit is slow to print). */
const EXEC_TIMEOUT_MS = 30_000;
/** Sends of one of mpheap's own execs, when the board's error says bytes were lost on the way. */
const SEND_ATTEMPTS = 3;
const LOST_BYTES = /SyntaxError|IndentationError|NameError/;

export interface BoardProbeOptions {
  scriptName: string;
  /** The script as it is cut for running (one unit, or its statements with --step). */
  units: string[];
}

export class BoardProbes {
  /** The units to run, instrumented. */
  readonly units: InstrumentedCode[];
  /** The probe call that ends the script's last interval (the guard runs it in a `finally:`). */
  readonly closing = CLOSING_CALL;
  private readonly catcher = new TableCatcher();

  private constructor(
    private readonly script: string,
    private readonly scriptName: string,
    private readonly slots: ProbeSlots,
    units: InstrumentedCode[],
    private readonly blockSize: number,
    private readonly footprint: MeasuredFootprint,
    /** Canaries the probe made trying itself (not the script's collections). */
    private readonly trialCanaries: number,
  ) {
    this.units = units;
  }

  /**
   * Instruments the script and sets the probe up on the board. Throws (leaving no probe on the
   * board) when that cannot be done: the run then goes on without a profile.
   */
  static async prepare(engine: Engine, script: string, opts: BoardProbeOptions): Promise<BoardProbes> {
    const slots = new ProbeSlots();
    // With --step each unit is padded to its line: a blank line above every top-level statement,
    // so no probe line needs inserting there.
    const units = opts.units.map((code) => instrument(code, slots));
    const blockSize = engine.info.wordSize * 4;
    // A board without flow control that falls behind drops bytes of what is sent to it (the
    // emulated micro:bit on a loaded machine does): mpheap's own code that then fails to compile
    // or names something that is not there is sent again.
    const run = async (code: string): Promise<ExecResult> => {
      for (let attempt = 1; ; attempt++) {
        const r = await engine.exec(code, { timeoutMs: EXEC_TIMEOUT_MS });
        if (attempt === SEND_ATTEMPTS || !r.error || !LOST_BYTES.test(r.error.type)) return r;
      }
    };

    // The script and its instrumented copy compiled (not run): what the probes add to its code.
    // A copy that does not compile where the script does is mpheap's fault: no profile then.
    const whole = units.length === 1 ? units[0].code : instrument(script, new ProbeSlots()).code;
    const plain = await run(codeSizeCode(script));
    const probed = plain.error ? plain : await run(codeSizeCode(whole));
    if (!plain.error && probed.error && LOST_BYTES.test(probed.error.type))
      throw new Error(
        `the script with probes does not compile (${probed.error.type}: ${probed.error.message}); please report it`,
      );
    const plainSize = probeValue(plain.output, 'code');
    const probedSize = probeValue(probed.output, 'code');
    const codeBytes = plainSize !== null && probedSize !== null ? probedSize - plainSize : null;

    // The heap (and where its pool is), then the heap again after an exec as long as the setup:
    // the raw REPL reads each exec into a buffer that only grows, so what the setup's text makes
    // it grow is told apart from the probe's own share.
    const first = await run(MEASURE_CODE);
    failed(first, 'measure the heap');
    const layout = heapOf(first.output, blockSize);
    const pool = layout?.areas[0] ? Number.parseInt(layout.areas[0].base, 16) : Number.NaN;
    const blocks = layout?.areas[0]?.map.length ?? 0;
    if (!layout || !Number.isFinite(pool) || blocks === 0)
      throw new Error("the board's mem_info(1) did not show its heap");
    const setup: ProbeSetup = {
      slots: slots.count,
      atbStart: 0,
      poolStart: pool,
      poolBytes: blocks * blockSize,
      blockSize,
      wordSize: engine.info.wordSize,
    };
    const before = await run(padded(MEASURE_CODE, setupCode({ ...setup, atbStart: pool }).length));
    failed(before, 'measure the heap');

    // The allocation table found, the probe set up and tried: a collection between two calls
    // must be seen. A canary that does not see it is dropped for drops of mem_alloc.
    const atb = await allocationTable(run, pool, blocks, blockSize);
    let check = await setUp(run, { ...setup, atbStart: atb ?? 0 });
    if (check === null && atb !== null) check = await setUp(run, setup);
    if (check === null) {
      await engine.exec(CLEANUP_CODE, { timeoutMs: EXEC_TIMEOUT_MS }).catch(() => null);
      throw new Error('the probe did not work on the board as it should');
    }
    const after = await run(MEASURE_CODE);
    const firstBytes = probeValue(first.output, 'alloc');
    const beforeBytes = probeValue(before.output, 'alloc');
    const afterBytes = probeValue(after.output, 'alloc');
    const footprint = {
      probeBytes: beforeBytes !== null && afterBytes !== null ? afterBytes - beforeBytes : null,
      inputBufferBytes: firstBytes !== null && beforeBytes !== null ? beforeBytes - firstBytes : null,
      codeBytes,
    };
    return new BoardProbes(script, opts.scriptName, slots, units, blockSize, footprint, check.canaries);
  }

  /** The error of a unit as the script's own lines tell it (only inserted probe lines move them). */
  scriptError(unit: number, error: PythonErrorInfo, filename: string): PythonErrorInfo {
    const code = this.units[unit];
    if (!code || code.inserted === 0) return error;
    const traceback = mapTracebackLines(error.traceback, filename, (line) => scriptLineOf(code, line));
    return { ...error, traceback, line: error.line === null ? null : scriptLineOf(code, error.line) };
  }

  /** The script's output without the probe's table, which is kept (call with each chunk of a unit's output). */
  catchOutput(text: string): string {
    return this.catcher.feed(text);
  }

  /** Whether the probe's table came with the script's output (it ended, however). */
  get tableCaught(): boolean {
    return this.catcher.table !== null;
  }

  /** What catchOutput held back, at the end of a unit's output. */
  flushOutput(): string {
    return this.catcher.flush();
  }

  /**
   * The run's profile, from the table the probe printed as the script ended (or, if it could
   * not, asked for now); the probe is removed from the board's globals.
   */
  async finish(engine: Engine): Promise<HeapProfile> {
    let table = this.catcher.table === null ? null : parseTable(this.catcher.table);
    const r = await engine.exec(table ? CLEANUP_CODE : RESULTS_CODE, { timeoutMs: EXEC_TIMEOUT_MS });
    if (!table) {
      failed(r, "read the probe's table");
      table = parseTable(r.output);
    }
    if (!table) throw new Error("the board did not print the probe's table");
    return boardProfile({
      scriptName: this.scriptName,
      source: this.script,
      slots: this.slots,
      table,
      trialCanaries: this.trialCanaries,
      blockSize: this.blockSize,
      probes: this.units.reduce((n, u) => n + u.probes, 0),
      insertedLines: this.units.reduce((n, u) => n + u.inserted, 0),
      ...this.footprint,
    });
  }
}

/**
 * Sets the probe up and tries it: two calls around a collection (through every path of the
 * probe: a collection seen, a canary made), then its table read back and checked against what it
 * was given. Null when anything is not as it should be.
 */
async function setUp(
  run: (code: string) => Promise<ExecResult>,
  setup: ProbeSetup,
): Promise<{ canaries: number } | null> {
  const r = await run(setupCode(setup));
  if (r.error || r.timedOut) return null;
  const t = await run(TRIAL_CODE);
  const table = t.error ? null : parseTable(t.output);
  if (!table || table.length !== HEADER_INTS + SLOT_WIDTH * setup.slots) return null;
  const canary = setup.atbStart !== 0;
  const given: [number, number][] = [
    [HEADER.atbStart, setup.atbStart],
    [HEADER.minusPoolStart, -setup.poolStart],
    [HEADER.poolBytes, setup.poolBytes],
    [HEADER.blockSize, setup.blockSize],
    [HEADER.itemOffset, 2 * setup.wordSize],
    [HEADER.canaryState, canary ? 1 : 0],
  ];
  if (given.some(([i, v]) => table[i] !== v)) return null;
  // With a canary, the collection between the two calls is seen, and a canary made after it.
  if (canary && (table[HEADER.leftOut] < 1 || table[HEADER.canaries] < 2)) return null;
  return { canaries: table[HEADER.canaries] };
}

/** A comment pads mpheap's exec to a length (see the raw REPL's input buffer above). */
function padded(code: string, length: number): string {
  return code.length + 2 >= length ? code : `${code}#${'-'.repeat(length - code.length - 2)}\n`;
}

/** The allocation table's address, or null when the board cannot read RAM or it is not found. */
async function allocationTable(
  run: (code: string) => Promise<ExecResult>,
  pool: number,
  blocks: number,
  blockSize: number,
): Promise<number | null> {
  const count = windowBytes(blocks);
  const start = pool - count;
  const r = await run(windowCode(start, count));
  if (r.error) return null;
  const at = r.output.indexOf(`${PROBE_MARKER} window`);
  const heap = heapOf(r.output.slice(0, Math.max(0, at)), blockSize);
  if (at < 0 || !heap) return null;
  const numbers = r.output.slice(at).split('\n').slice(1).join(' ').trim().split(/\s+/).map(Number);
  if (numbers.length !== count || numbers.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return null;
  return findAllocationTable(heap, start, Uint8Array.from(numbers));
}

function heapOf(output: string, blockSize: number): HeapSnapshot | null {
  return decodeText(output, 'probe', { blockSize }).snapshots[0] ?? null;
}

function failed(r: ExecResult, what: string): void {
  if (r.timedOut) throw new Error(`the board did not answer in time to ${what}`);
  if (r.error) throw new Error(`could not ${what} on the board: ${r.error.type}: ${r.error.message}`);
}
