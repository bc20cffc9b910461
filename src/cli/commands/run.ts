/** `mpheap run SCRIPT`: run a MicroPython script on real MicroPython and record its heap. */
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { BOARD_PROFILES, type BoardProfile, boardProfile } from '../../engines/board-profiles.js';
import type { Engine } from '../../engines/engine.js';
import { defaultCacheDir } from '../../engines/wasm/board-gc/cache.js';
import type { TransformStep } from '../../engines/wasm/board-gc/transform.js';
import {
  BoardBuildError,
  DEFAULT_WASM_HEAP,
  MIN_WASM_HEAP,
  WasmEngine,
} from '../../engines/wasm/wasm-engine.js';
import type { RecordPublisher } from '../../fleet/publisher.js';
import { checkName } from '../../fleet/record.js';
import { finalSample, startAgentBeside } from '../../fleet/run-agent.js';
import { regionBytesForPool } from '../../heap/layout.js';
import { RecordingWriter } from '../../recording/recording.js';
import type { BudgetViolation } from '../../run/budgets.js';
import { KeptSnapshots } from '../../run/kept-snapshots.js';
import { type RunExit, type RunProgress, type RunResult, runScript } from '../../run/session.js';
import { formatSummary, summaryJson } from '../../run/summary.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { type BoundedText, resultOutput } from '../../util/bounded-text.js';
import { bytesText, formatBytes, formatSize } from '../../util/size.js';
import { ControlEscaper, escapeControls } from '../../util/text.js';
import { renderSnapshot, terminalColumns, wantColor, wrapForTerminal } from '../../views/terminal/index.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter, NO_COLOR_HELP } from '../help.js';
import { fileErrorWhy, readTextFile, sizeOption } from '../io.js';
import { httpPortOption } from './http-port-option.js';
import { boardCliError, engineForPort, PORT_HELP } from './port-option.js';
import { RunViews } from './run-views.js';
import { simInputOption } from './sim-input-option.js';

export interface RunFlags {
  port?: string;
  heap?: string;
  fixed?: boolean;
  /** --no-reset: false. */
  reset?: boolean;
  step?: boolean;
  gc?: string;
  board?: string;
  threshold?: string;
  timeout: string;
  record?: string | false;
  maxUsed?: string;
  minLargestFree?: string;
  memoryError: boolean;
  map?: boolean;
  json?: boolean;
  color?: boolean;
  html?: string;
  web?: boolean;
  httpPort?: string;
  webWait?: boolean;
  profile?: boolean;
  simInput?: string;
  publish?: string;
  deviceId?: string;
}

const EXIT_OF: Record<RunExit, number> = {
  ok: EXIT.OK,
  interrupted: EXIT.INTERRUPTED,
  budget: EXIT.BUDGET,
  exception: EXIT.SCRIPT_FAILED,
  timeout: EXIT.TIMEOUT,
};

/**
 * Which engine runs the script. Everything after this works with any Engine.
 */
export async function createEngine(flags: RunFlags): Promise<Engine> {
  if (flags.port !== undefined) {
    // A board's heap is whatever its firmware made it: nothing here can size or pin it.
    const sizing =
      flags.heap !== undefined ? '--heap' : flags.fixed ? '--fixed' : flags.board ? '--board' : null;
    if (sizing)
      throw new CliError(`${sizing}: only for the built-in engine; a board's heap is sized by its firmware`);
    return engineForPort(flags.port, { softReset: flags.reset !== false });
  }
  const board = flags.board === undefined ? null : boardOption(flags.board);
  // A board profile sizes the heap as its firmware does (--heap still overrides the size).
  const heapSize =
    flags.heap !== undefined
      ? sizeOption(flags.heap, '--heap')
      : board
        ? regionBytesForPool(board.poolBytes, { wordSize: board.wordSize })
        : DEFAULT_WASM_HEAP;
  if (heapSize < MIN_WASM_HEAP)
    throw new CliError(`--heap: ${bytesText(heapSize)} is too small (at least ${formatSize(MIN_WASM_HEAP)})`);
  if (heapSize > 512 * 1024 * 1024)
    throw new CliError(`--heap: ${formatSize(heapSize)} is more than 512 MiB`);
  if (flags.gc !== undefined && flags.gc !== 'board' && flags.gc !== 'top-level')
    throw new CliError(`--gc: '${flags.gc}' must be board or top-level`);
  if (flags.profile && flags.gc === 'top-level')
    throw new CliError('--profile: needs the engine that collects like a board (not --gc top-level)');
  return new WasmEngine({
    heapSize,
    fixed: flags.fixed === true || (board !== null && board.canGrowBytes === null),
    growLimit: board?.canGrowBytes ?? undefined,
    // Asked for by name, the board-faithful build is required; by default it may fall back.
    // The profile needs the board-faithful build (it is what tells each allocation).
    collector:
      flags.gc === 'top-level' ? 'top-level' : flags.gc === 'board' || flags.profile ? 'board-only' : 'board',
    profile: flags.profile === true,
    onBuildStep: buildProgress(),
  });
}

/** --board NAME: the profile, or an error that lists the names. */
export function boardOption(name: string): BoardProfile {
  const board = boardProfile(name);
  if (!board)
    throw new CliError(
      `--board: no profile '${name}'; one of ${BOARD_PROFILES.map((b) => b.name).join(', ')} (mpheap boards lists them)`,
    );
  return board;
}

/**
 * The first run makes the board-faithful build (about 15 s) and caches it: say so on stderr,
 * one line updated in place on a terminal, else a line at the start and one at the end.
 */
function buildProgress(): (step: TransformStep) => void {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  const head = `mpheap: making MicroPython collect like a board (once; cached in ${defaultCacheDir()})`;
  return (step) => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    if (step === 'writing') {
      process.stderr.write(`${tty ? '\r\x1b[2K' : ''}${head}: done in ${elapsed} s\n`);
    } else if (tty) {
      // Kept within one terminal line: a wrapped line is not redrawn in place by \r.
      const line = `${head}: ${step}… ${elapsed} s`;
      const width = (process.stderr.columns ?? 80) - 1;
      process.stderr.write(`\r\x1b[2K${line.length > width ? `…${line.slice(-(width - 1))}` : line}`);
    } else if (step === 'reading') {
      process.stderr.write(`${head}…\n`);
    }
  };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'Run a MicroPython script on the MicroPython WebAssembly engine built into mpheap (the official ' +
        'build, MicroPython 1.27, 32-bit: 16-byte blocks like most boards) and record its heap as it ' +
        'goes. A snapshot (the full heap map) is taken:\n' +
        '  - at the start and at the end;\n' +
        '  - wherever the script calls micropython.mem_info() itself;\n' +
        '  - at mpheap.snap("label") (`import mpheap` works in every script run here);\n' +
        '  - after each top-level statement with --step;\n' +
        '  - after an uncaught MemoryError, set against the size it asked for.\n' +
        'The script prints as it runs, a status line follows the heap, and a summary ends the run. ' +
        'Each snapshot is appended to the recording the moment it is taken, so Ctrl-C or a crash ' +
        'loses nothing: open it with `mpheap decode FILE --all` or `mpheap report FILE`.\n\n' +
        'With --port it runs on a real board instead (or on the micro:bit of ' +
        "`mpheap emulate microbit`): `mpheap` is defined in the board's RAM, never on its " +
        'filesystem (about 300 bytes of the heap, measured and stated in the summary), and the ' +
        'script runs as it would on its own. Code runs only once the board has echoed back every ' +
        'byte of it (a busy board or a noisy cable loses bytes); what did not arrive whole is sent ' +
        'again, never run.\n\n' +
        'Garbage is collected where gc.c on a board collects it: inside an allocation that finds no ' +
        'room (then it retries), at gc.threshold(), on gc.collect() anywhere. (The official build ' +
        'collects only between top-level statements; mpheap transforms it once, about 15 s, and ' +
        'caches the result. --gc top-level runs the official build as it is.) Every collection and ' +
        'every allocation that found no room is recorded: the summary counts them, and the heap of ' +
        'each failed allocation is a snapshot of its own (alloc_failed).\n\n' +
        'How this engine differs from a board (say so when you compare):\n' +
        "  - its heap grows by itself unless --fixed keeps it at --heap: then it grows as esp32's " +
        'does, only when a collection did not make room;\n' +
        "  - what its C code keeps on the stack differs from a board's compiler, so an object may " +
        'live a little longer or shorter than on the board;\n' +
        '  - with --fixed, mpheap runs the code through a small guard (about 0.9 KB of the heap, in ' +
        'every snapshot) so that a MemoryError in a full heap is reported at the moment it happens; ' +
        "after it, the script's globals are released so the end snapshot can still be taken.\n\n" +
        'Of the --heap bytes, gc.c keeps a little for its tables (2 bits a block to say what is ' +
        'allocated, 1 bit for finalisers) and the rest is the pool that objects live in: --heap 16K ' +
        'gives a 16,000-byte pool, the `GC: total` that every snapshot shows.',
    )
    .argument('<script>', "MicroPython script ('-' for standard input)")
    .option('--port <dev>', `run it on a real board instead: ${PORT_HELP}`)
    .option(
      '--heap <size>',
      `GC heap size (e.g. 16K, 112K, 0x1C000, 1M; default ${formatSize(DEFAULT_WASM_HEAP)})`,
    )
    .option('--fixed', 'keep the heap at --heap bytes, as on a board (no growing)')
    .option(
      '--board <name>',
      "a board's heap: the size its stock firmware gives the GC (and whether it grows), e.g. " +
        'microbit-v1, pico, esp32 (mpheap boards lists them, with sources); --heap overrides',
    )
    .option(
      '--threshold <bytes>',
      'gc.threshold(N) before the script: also collect after every N bytes allocated',
    )
    .option('--no-reset', 'with --port: keep what the board holds (no soft reset before the script)')
    .option('--step', 'run top-level statements one by one, a snapshot after each')
    .option(
      '--sim-input <file>',
      'what the board shims read: pin levels and edges, ADC values, I2C registers, UART text, WLAN ' +
        '(JSON; docs/shims.md). Without it they read plausible defaults',
    )
    .option(
      '--profile',
      'the heap by source line: bytes and allocations of each line and function, what ' +
        'stays alive, what grows across collections, which lines split the free space; ' +
        'with --html or --web, an icicle graph of the call stacks and, on the map, the ' +
        'line that made each block; with --port, an estimate (net bytes per line, from probes ' +
        'between statements)',
    )
    .option(
      '--gc <mode>',
      'board (default): collect where a board does; top-level: the official build, which ' +
        'collects only between top-level statements',
    )
    .option('--timeout <seconds>', 'watchdog: stop the script after this long', '120')
    .option(
      '--record <file>',
      'recording file (NDJSON; default: beside the script, app.py → app.heap.ndjson; stdin.heap.ndjson for -)',
    )
    .option('--no-record', 'do not write a recording')
    .option('--max-used <bytes>', 'budget: fail (exit 3) if any snapshot uses more than this')
    .option('--min-largest-free <bytes>', 'budget: fail (exit 3) if the largest free block drops below this')
    .option('--no-memory-error', 'budget: fail (exit 3) on a MemoryError')
    .option(
      '--html <file>',
      'write an HTML report at the end (also when the script fails or times out); past 1,000 snapshots it shows the first and last 500 and every failure (mpheap report on the recording shows all)',
    )
    .option(
      '--web',
      'show the heap live in a browser: serves a dashboard on 127.0.0.1 and prints its URL; on a terminal it stays open after the run until Ctrl-C',
    )
    .option('--http-port <n>', 'port for --web (default: a free one)')
    .option(
      '--web-wait',
      'with --web: keep the dashboard open after the run until Ctrl-C, also off a terminal',
    )
    .option(
      '--publish <url>',
      'run mpheap_agent beside the script and publish its records to mqtt://HOST[:PORT]',
    )
    .option('--device-id <id>', 'with --publish: the device id in the records')
    .option('--map', 'draw the heap map of the last snapshot in the summary')
    .option('--no-color', NO_COLOR_HELP)
    .option('--json', 'print the summary as JSON (schema: docs/json.md); script output goes to stderr')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          {
            command: 'mpheap run examples/sensor_logger.py',
            note: 'record a script on a 112 KiB heap (it grows when needed)',
          },
          {
            command: 'mpheap run examples/fragmentation.py --fixed --heap 16K --step',
            note: 'a board-sized heap, statement by statement',
          },
          {
            command:
              'mpheap run app.py --fixed --heap 64K --max-used 48K --min-largest-free 4K --no-memory-error',
            note: 'a CI check (exit 3 when a budget is broken)',
          },
          { command: 'mpheap run app.py --json | jq .peakUsed' },
          {
            command: 'mpheap run app.py --profile',
            note: 'which lines and functions use the heap, what stays alive, what leaks',
          },
          {
            command: 'mpheap run main.py --board pico --threshold 4K',
            note: "a Pico's heap, collecting every 4 KB allocated as well",
          },
          {
            command: 'mpheap run app.py --web --html app.html',
            note: 'watch it live in a browser, then keep the report',
          },
          {
            command: 'mpheap run examples/fragmentation.py --port a0',
            note: 'on the board at /dev/ttyACM0 (socket://127.0.0.1:PORT: the emulator)',
          },
          {
            command: 'mpheap run app.py --port a0 --profile',
            note: 'which lines take the heap on a stock board (the precision is printed)',
          },
        ],
        sections: [
          {
            title: 'In the script',
            body: '  import mpheap\n  mpheap.snap("after parse")   # a labelled snapshot (works on boards too)',
          },
        ],
        exitCodes:
          '0 ran, 2 bad option or unreadable script, 3 budget broken, 4 the script raised an ' +
          'exception (or the engine failed), 5 stopped by the watchdog, 130 interrupted (Ctrl-C).',
      }),
    )
    .action(async (file: string, flags: RunFlags) => {
      const code = await runCommand(file, flags);
      process.exitCode = code;
    });
}

async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const script = readTextFile(file, 'script');
  const scriptName = file === '-' ? '<stdin>' : file;
  const timeoutS = Number(flags.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new CliError(`--timeout: '${flags.timeout}' is not a positive number of seconds`);
  const budgets = {
    maxUsed: flags.maxUsed === undefined ? undefined : sizeOption(flags.maxUsed, '--max-used'),
    minLargestFree:
      flags.minLargestFree === undefined ? undefined : sizeOption(flags.minLargestFree, '--min-largest-free'),
    noMemoryError: flags.memoryError === false,
  };
  const httpPort = httpPortOption(flags.web, flags.httpPort);
  if (flags.webWait && !flags.web) throw new CliError('--web-wait: only with --web');
  const threshold = flags.threshold === undefined ? undefined : sizeOption(flags.threshold, '--threshold');
  const board = flags.board === undefined ? null : boardOption(flags.board);
  if (flags.simInput !== undefined && flags.port !== undefined)
    throw new CliError('--sim-input: only for the built-in engine (a board reads its own pins)');
  const simInput = simInputOption(flags.simInput);
  if ((flags.publish === undefined) !== (flags.deviceId === undefined))
    throw new CliError('--publish and --device-id go together');
  const badDeviceId = flags.deviceId === undefined ? null : checkName(flags.deviceId, '--device-id:');
  if (badDeviceId !== null) throw new CliError(badDeviceId);
  const engine = await createEngine(flags);
  // Started first: the recording names the engine as it really runs (a fallback says so).
  try {
    await engine.load();
  } catch (e) {
    await engine.close();
    const board = boardCliError(e);
    if (board instanceof CliError) throw board;
    const why =
      e instanceof BoardBuildError ? e.message : `the engine failed to start: ${(e as Error).message}`;
    throw new CliError(why, EXIT.SCRIPT_FAILED);
  }
  for (const w of engine.info.warnings ?? []) process.stderr.write(`mpheap: warning: ${w}\n`);
  const json = flags.json === true;
  // --publish: the agent's records, from the output, to MQTT (src/fleet/run-agent.ts).
  let publisher: RecordPublisher | null = null;
  if (flags.publish !== undefined) {
    // Loaded only here: mqtt is for --publish alone, not for every run.
    const { RecordPublisher } = await import('../../fleet/publisher.js');
    publisher = new RecordPublisher({ url: flags.publish });
    try {
      await publisher.start();
    } catch (e) {
      await engine.close();
      throw new CliError(`--publish: cannot connect to ${flags.publish}: ${(e as Error).message}`);
    }
  }
  const out = json ? process.stderr : process.stdout;
  const status = new StatusLine(!json && process.stderr.isTTY === true);

  const recordPath = flags.record === false ? null : (flags.record ?? defaultRecordPath(file));
  let recording: RecordingWriter | null = null;
  if (recordPath !== null) {
    try {
      recording = new RecordingWriter(recordPath, {
        startedAt: Date.now(),
        command: ['run', ...process.argv.slice(3)],
        script: scriptName,
        engine: engine.info,
      });
    } catch (e) {
      throw new CliError(`--record: cannot write '${recordPath}': ${fileErrorWhy(e)}`);
    }
  }

  let views: RunViews;
  try {
    views = await RunViews.start({
      html: flags.html ?? null,
      httpPort,
      title: `mpheap run ${scriptName}${flags.port ? ` on ${flags.port}` : ''}`,
      heapCanGrow: !engine.info.fixedHeap,
    });
  } catch (e) {
    recording?.close();
    await engine.close();
    throw e;
  }
  // A short script ends before anyone opens the page: on a terminal the page stays until Ctrl-C.
  const keepWebOpen = flags.webWait === true || (views.dashboard !== null && process.stderr.isTTY === true);
  // Printed even with --json (stdout stays the JSON): the URL is what the user came for.
  if (views.dashboard)
    process.stderr.write(
      `dashboard: ${views.dashboard.url}${keepWebOpen ? ' (open until Ctrl-C)' : ' (closes when the run ends; --web-wait keeps it)'}\n`,
    );

  // Ctrl-C: stop the script (a board gets Ctrl-C and is left at its prompt), then end as any
  // run ends, with the summary of what was captured and exit 130. A second Ctrl-C does not wait.
  const stop = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) {
      recording?.close();
      process.exit(EXIT.INTERRUPTED);
    }
    interrupted = true;
    status.clear();
    process.stderr.write('mpheap: interrupted (Ctrl-C): stopping the script; Ctrl-C again to quit at once\n');
    stop.abort();
  };
  process.on('SIGINT', onSigint);

  const escaper = new ControlEscaper();
  let result: RunResult;
  let htmlWritten = true;
  let ranToEnd = false;
  // What arrived before a failure of the engine or the board: the summary still shows it.
  const captured = {
    snapshots: new KeptSnapshots(),
    output: resultOutput(),
    progress: null as RunProgress | null,
  };
  const started = Date.now();
  try {
    // The agent's own output (its first and last record) goes where the script's does.
    const showOutput = (text: string) => {
      publisher?.feed(text);
      captured.output.add(text);
      views.addOutput(text);
      // The script's text, printed with control bytes escaped (its colours kept).
      status.around(text, () => out.write(escaper.push(text)));
    };
    if (publisher && flags.deviceId !== undefined)
      await startAgentBeside(engine, {
        deviceId: flags.deviceId,
        heapBytes: engine.info.heapSize,
        onOutput: showOutput,
      });
    result = await runScript(engine, script, {
      signal: stop.signal,
      scriptName,
      step: flags.step === true,
      threshold,
      profile: flags.profile ? {} : undefined,
      // `from machine import Pin` runs here as on a board: the shims stand in for its modules.
      shims: flags.port === undefined ? { simInput } : undefined,
      timeoutMs: timeoutS * 1000,
      budgets,
      recording,
      onOutput: showOutput,
      onSnapshot: (s: HeapSnapshot, p: RunProgress) => {
        captured.snapshots.add(s, p.figures.used);
        captured.progress = p;
        views.snapshot(s, p.figures.used);
        status.show(statusText(p));
      },
      onEvent: (name, fields) => views.event(name, fields),
      onViolation: (v: BudgetViolation) => {
        const line = `mpheap: ${v.message}\n`;
        status.around(line, () => process.stderr.write(line));
      },
    });
    if (publisher) await finalSample(engine, showOutput);
    ranToEnd = true;
  } catch (e) {
    status.clear();
    recording?.event('engine_failed', { message: (e as Error).message });
    views.event('engine_failed', { message: (e as Error).message });
    if (interrupted) return EXIT.INTERRUPTED;
    if (e instanceof CliError && e.exitCode !== EXIT.SCRIPT_FAILED) throw e;
    const board = boardCliError(e);
    const failure =
      board instanceof CliError
        ? board
        : new CliError(`the engine failed: ${(e as Error).message}`, EXIT.SCRIPT_FAILED);
    if (failure.exitCode !== EXIT.SCRIPT_FAILED) throw failure;
    // The board (or the engine) went away mid-run: what was captured up to then is the run.
    result = partialResult(scriptName, captured, failure.message, Date.now() - started);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await engine.close();
    await publisher?.close();
    recording?.close();
    // Whatever ended the run, the report holds every snapshot captured up to then.
    htmlWritten = views.writeReport();
    if (!(ranToEnd && keepWebOpen && !interrupted)) await views.close();
  }
  status.clear();
  out.write(escaper.end());

  const ctx = { engine: engine.info, recording: recordPath, board, columns: terminalColumns() };
  // The traceback goes where a Python user expects it: standard error, after the output.
  const tb = result.error?.traceback;
  if (tb) process.stderr.write(escapeControls(tb.endsWith('\n') ? tb : `${tb}\n`));
  if (json) {
    process.stdout.write(`${JSON.stringify(summaryJson(result, ctx), null, 2)}\n`);
  } else {
    const shown = snapshotToDraw(result, flags.map === true);
    if (shown)
      process.stdout.write(
        `\n${renderSnapshot(shown, {
          color: wantColor(flags.color),
          legend: 'short',
          columns: terminalColumns(),
          heapCanGrow: !engine.info.fixedHeap,
          memoryError: memoryErrorOf(result, shown),
        })}`,
      );
    process.stdout.write(`\n${wrapForTerminal(escapeControls(formatSummary(result, ctx)))}`);
  }
  // A report that could not be written fails a run that otherwise went well.
  if (keepWebOpen) await views.keepOpenUntilCtrlC();
  return !htmlWritten && result.exit === 'ok' ? EXIT.BAD_INPUT : EXIT_OF[result.exit];
}

/**
 * The recording's default place: beside the script, so that `run a/app.py` and `run b/app.py`
 * keep one each; `stdin.heap.ndjson` here for a script read from standard input.
 */
function defaultRecordPath(file: string): string {
  if (file === '-') return 'stdin.heap.ndjson';
  const name = `${basename(file).replace(/\.py$/, '')}.heap.ndjson`;
  return dirname(file) === '.' ? name : join(dirname(file), name);
}

/** The MemoryError or failed allocation a snapshot was taken at: its verdict is then about it. */
function memoryErrorOf(r: RunResult, s: HeapSnapshot): { request: number | null } | null {
  const m = [...r.memoryErrors, ...r.allocationFailures].find((e) => e.seq === s.seq);
  return m ? { request: m.requested } : null;
}

/** The run as far as it got when the engine or the board failed (a board unplugged, QEMU killed). */
function partialResult(
  scriptName: string,
  captured: { snapshots: KeptSnapshots; output: BoundedText; progress: RunProgress | null },
  message: string,
  elapsedMs: number,
): RunResult {
  return {
    scriptName,
    snapshots: captured.snapshots.list(),
    snapshotsTaken: captured.snapshots.total,
    snapshotsLeftOut: captured.snapshots.leftOut,
    usedOverTime: captured.snapshots.usedOverTime(),
    memoryErrors: [],
    error: { type: 'EngineFailed', message, traceback: '', line: null },
    timedOut: false,
    violations: [],
    exit: 'exception',
    peakUsed: captured.progress?.peakUsed ?? null,
    minLargestFree: captured.progress?.minLargestFree ?? null,
    collections: null,
    failedAllocations: null,
    allocationFailures: [],
    output: captured.output.text(),
    units: 0,
    elapsedMs,
    profile: null,
    shims: null,
  };
}

/** The map worth drawing: the heap at a MemoryError or failed allocation, else the last one when --map asks. */
function snapshotToDraw(r: RunResult, map: boolean): HeapSnapshot | null {
  const seq = [...r.memoryErrors, ...r.allocationFailures].find((m) => m.seq !== null)?.seq;
  if (seq !== undefined && seq !== null) return r.snapshots.find((s) => s.seq === seq) ?? null;
  return map && r.snapshots.length > 0 ? r.snapshots[r.snapshots.length - 1] : null;
}

function statusText(p: RunProgress): string {
  const b = (n: number | null) => (n === null ? '?' : formatBytes(n));
  return `mpheap: ${p.snapshots} snapshot${p.snapshots === 1 ? '' : 's'}, used ${b(p.figures.used)} B (peak ${b(p.peakUsed)}), largest free ${b(p.figures.largestFree)} B`;
}

/** A one-line status on a terminal's stderr, cleared while program output is written. */
class StatusLine {
  private text = '';
  private atLineStart = true;
  constructor(private readonly enabled: boolean) {}
  show(text: string): void {
    if (!this.enabled || !this.atLineStart) return;
    this.text = text.slice(0, Math.max(20, (process.stderr.columns ?? 80) - 1));
    process.stderr.write(`\r\x1b[2K${this.text}`);
  }
  /** Writes around the status line; it is drawn again only after a whole line of output. */
  around(text: string, write: () => void): void {
    if (this.enabled && this.text && this.atLineStart) process.stderr.write('\r\x1b[2K');
    write();
    this.atLineStart = text.endsWith('\n');
    if (this.enabled && this.text && this.atLineStart) process.stderr.write(this.text);
  }
  clear(): void {
    if (this.enabled && this.text) process.stderr.write('\r\x1b[2K');
    this.text = '';
  }
}
