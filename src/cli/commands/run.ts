/** `mpheap run SCRIPT`: run a MicroPython script on real MicroPython and record its heap. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Engine } from '../../engines/engine.js';
import { defaultCacheDir } from '../../engines/wasm/board-gc/cache.js';
import type { TransformStep } from '../../engines/wasm/board-gc/transform.js';
import {
  BoardBuildError,
  DEFAULT_WASM_HEAP,
  MIN_WASM_HEAP,
  WasmEngine,
} from '../../engines/wasm/wasm-engine.js';
import { RecordPublisher } from '../../fleet/publisher.js';
import { finalSample, startAgentBeside } from '../../fleet/run-agent.js';
import { RecordingWriter } from '../../recording/recording.js';
import type { BudgetViolation } from '../../run/budgets.js';
import { type RunExit, type RunProgress, type RunResult, runScript } from '../../run/session.js';
import { formatSummary, summaryJson } from '../../run/summary.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { formatBytes, formatSize } from '../../util/size.js';
import { renderSnapshot, wantColor } from '../../views/terminal/index.js';
import { CliError, EXIT } from '../errors.js';
import { readTextFile, sizeOption } from '../io.js';
import { httpPortOption } from './http-port-option.js';
import { boardCliError, engineForPort, PORT_HELP } from './port-option.js';
import { RunViews } from './run-views.js';

export interface RunFlags {
  port?: string;
  heap?: string;
  fixed?: boolean;
  /** --no-reset: false. */
  reset?: boolean;
  step?: boolean;
  gc?: string;
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
  publish?: string;
  deviceId?: string;
}

const EXIT_OF: Record<RunExit, number> = {
  ok: EXIT.OK,
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
    if (flags.heap !== undefined || flags.fixed)
      throw new CliError(
        `${flags.heap !== undefined ? '--heap' : '--fixed'}: only for the built-in engine; a board's heap is sized by its firmware`,
      );
    return engineForPort(flags.port, { softReset: flags.reset !== false });
  }
  const heapSize = flags.heap === undefined ? DEFAULT_WASM_HEAP : sizeOption(flags.heap, '--heap');
  if (heapSize < MIN_WASM_HEAP)
    throw new CliError(
      `--heap: ${formatBytes(heapSize)} bytes is too small (at least ${formatSize(MIN_WASM_HEAP)})`,
    );
  if (heapSize > 512 * 1024 * 1024)
    throw new CliError(`--heap: ${formatSize(heapSize)} is more than 512 MiB`);
  if (flags.gc !== undefined && flags.gc !== 'board' && flags.gc !== 'top-level')
    throw new CliError(`--gc: '${flags.gc}' must be board or top-level`);
  return new WasmEngine({
    heapSize,
    fixed: flags.fixed === true,
    // Asked for by name, the board-faithful build is required; by default it may fall back.
    collector: flags.gc === 'top-level' ? 'top-level' : flags.gc === 'board' ? 'board-only' : 'board',
    onBuildStep: buildProgress(),
  });
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
      process.stderr.write(`\r\x1b[2K${head}: ${step}… ${elapsed} s`);
    } else if (step === 'reading') {
      process.stderr.write(`${head}…\n`);
    }
  };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .summary('run a script on real MicroPython and record what it does to the heap')
    .description(
      'Run a MicroPython script on the MicroPython WebAssembly engine built into\n' +
        'mpheap (the official build, MicroPython 1.27, 32-bit: 16-byte blocks like\n' +
        'most boards) and record its heap as it goes. A snapshot (the full heap map)\n' +
        'is taken:\n' +
        '  - at the start and at the end;\n' +
        '  - wherever the script calls micropython.mem_info() itself;\n' +
        '  - at mpheap.snap("label") (`import mpheap` works in every script run here);\n' +
        '  - after each top-level statement with --step;\n' +
        '  - after an uncaught MemoryError, set against the size it asked for.\n' +
        'The script prints as it runs, a status line follows the heap, and a summary\n' +
        'ends the run. Each snapshot is appended to the recording the moment it is\n' +
        'taken, so Ctrl-C or a crash loses nothing: open it with\n' +
        '`mpheap decode FILE --all` or `mpheap report FILE`.\n\n' +
        'With --port it runs on a real board over the raw REPL instead (or on the\n' +
        "micro:bit of `mpheap emulate microbit`): `mpheap` is defined in the board's\n" +
        'RAM, never on its filesystem, and the script runs as it would on its own.\n\n' +
        'Garbage is collected where gc.c on a board collects it: inside an allocation\n' +
        'that finds no room (then it retries), at gc.threshold(), on gc.collect()\n' +
        'anywhere. (The official build collects only between top-level statements;\n' +
        'mpheap transforms it once, about 15 s, and caches the result. --gc top-level\n' +
        'runs the official build as it is.) Every collection and every allocation that\n' +
        'found no room is recorded: the summary counts them, and the heap of each\n' +
        'failed allocation is a snapshot of its own (alloc_failed).\n\n' +
        'How this engine differs from a board (say so when you compare):\n' +
        '  - its heap grows by itself unless --fixed keeps it at --heap: then it grows\n' +
        "    as esp32's does, only when a collection did not make room;\n" +
        "  - what its C code keeps on the stack differs from a board's compiler, so an\n" +
        '    object may live a little longer or shorter than on the board;\n' +
        '  - with --fixed, mpheap runs the code through a small guard (about 0.9 KB of\n' +
        '    the heap, in every snapshot) so that a MemoryError in a full heap is\n' +
        "    reported at the moment it happens; after it, the script's globals are\n" +
        '    released so the end snapshot can still be taken.',
    )
    .argument('<script>', "MicroPython script ('-' for standard input)")
    .option('--port <dev>', `run it on a real board instead: ${PORT_HELP}`)
    .option(
      '--heap <size>',
      `GC heap size (e.g. 16K, 112K, 0x1C000, 1M; default ${formatSize(DEFAULT_WASM_HEAP)})`,
    )
    .option('--fixed', 'keep the heap at --heap bytes, as on a board (no growing)')
    .option('--no-reset', 'with --port: keep what the board holds (no soft reset before the script)')
    .option('--step', 'run top-level statements one by one, a snapshot after each')
    .option(
      '--gc <mode>',
      'board (default): collect where a board does; top-level: the official build,\n' +
        'which collects only between top-level statements',
    )
    .option('--timeout <seconds>', 'watchdog: stop the script after this long', '120')
    .option('--record <file>', 'recording file (NDJSON; default: <script>.heap.ndjson)')
    .option('--no-record', 'do not write a recording')
    .option('--max-used <bytes>', 'budget: fail (exit 3) if any snapshot uses more than this')
    .option('--min-largest-free <bytes>', 'budget: fail (exit 3) if the largest free block drops below this')
    .option('--no-memory-error', 'budget: fail (exit 3) on a MemoryError')
    .option('--html <file>', 'write an HTML report at the end (also when the script fails or times out)')
    .option('--web', 'show the heap live in a browser: serves a dashboard on 127.0.0.1, prints its URL')
    .option('--http-port <n>', 'port for --web (default: a free one)')
    .option('--web-wait', 'with --web: keep the dashboard open after the run, until Ctrl-C')
    .option(
      '--publish <url>',
      'run mpheap_agent beside the script and publish its records to mqtt://HOST[:PORT]',
    )
    .option('--device-id <id>', 'with --publish: the device id in the records')
    .option('--map', 'draw the heap map of the last snapshot in the summary')
    .option('--no-color', 'plain text, no colours (also: NO_COLOR=1)')
    .option('--json', 'print the summary as JSON (schema: docs/json.md); script output goes to stderr')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mpheap run examples/sensor_logger.py\n' +
        '        record a script on a 112 KiB heap (it grows when needed)\n' +
        '  mpheap run examples/fragmentation.py --fixed --heap 16K --step\n' +
        '        a board-sized heap, statement by statement\n' +
        '  mpheap run app.py --fixed --heap 64K --max-used 48K --min-largest-free 4K \\\n' +
        '        --no-memory-error\n' +
        '        a CI check (exit 3 when a budget is broken)\n' +
        '  mpheap run app.py --json | jq .peakUsed\n' +
        '  mpheap run app.py --web --html app.html\n' +
        '        watch it live in a browser, then keep the report\n' +
        '  mpheap run examples/fragmentation.py --port a0\n' +
        '        on the board at /dev/ttyACM0 (socket://127.0.0.1:PORT: the emulator)\n\n' +
        'In the script:\n' +
        '  import mpheap\n' +
        '  mpheap.snap("after parse")   # a labelled snapshot (works on boards too)\n\n' +
        'Exit codes: 0 ran, 2 bad option or unreadable script, 3 budget broken,\n' +
        '4 the script raised an exception (or the engine failed),\n5 stopped by the watchdog, ' +
        '130 interrupted (Ctrl-C).',
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
  if ((flags.publish === undefined) !== (flags.deviceId === undefined))
    throw new CliError('--publish and --device-id go together');
  if (flags.deviceId !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(flags.deviceId))
    throw new CliError(`--device-id: '${flags.deviceId}' is not 1 to 64 of A-Z a-z 0-9 _ . -`);
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

  const recordPath =
    flags.record === false
      ? null
      : (flags.record ?? `${basename(scriptName).replace(/\.py$/, '')}.heap.ndjson`);
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
      throw new CliError(`--record: cannot write '${recordPath}': ${(e as Error).message}`);
    }
  }

  let views: RunViews;
  try {
    views = await RunViews.start({
      html: flags.html ?? null,
      httpPort,
      title: `mpheap run ${scriptName}${flags.port ? ` on ${flags.port}` : ''}`,
    });
  } catch (e) {
    recording?.close();
    await engine.close();
    throw e;
  }
  // Printed even with --json (stdout stays the JSON): the URL is what the user came for.
  if (views.dashboard) process.stderr.write(`dashboard: ${views.dashboard.url}\n`);

  // Ctrl-C: stop the engine, keep the recording whole, exit 130.
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    recording?.event('interrupted');
    void engine.close();
  };
  process.once('SIGINT', onSigint);

  let result: RunResult;
  let htmlWritten = true;
  let ranToEnd = false;
  try {
    // The agent's own output (its first and last record) goes where the script's does.
    const showOutput = (text: string) => {
      publisher?.feed(text);
      views.addOutput(text);
      status.around(text, () => out.write(text));
    };
    if (publisher && flags.deviceId !== undefined)
      await startAgentBeside(engine, {
        deviceId: flags.deviceId,
        heapBytes: engine.info.heapSize,
        onOutput: showOutput,
      });
    result = await runScript(engine, script, {
      scriptName,
      step: flags.step === true,
      timeoutMs: timeoutS * 1000,
      budgets,
      recording,
      onOutput: showOutput,
      onSnapshot: (s: HeapSnapshot, p: RunProgress) => {
        views.snapshot(s);
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
    if (e instanceof CliError) throw e;
    const board = boardCliError(e);
    if (board instanceof CliError) throw board;
    throw new CliError(`the engine failed: ${(e as Error).message}`, EXIT.SCRIPT_FAILED);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await engine.close();
    await publisher?.close();
    recording?.close();
    // Whatever ended the run, the report holds every snapshot captured up to then.
    htmlWritten = views.writeReport();
    if (!(ranToEnd && flags.webWait && !interrupted)) await views.close();
  }
  status.clear();
  if (interrupted) return EXIT.INTERRUPTED;

  const ctx = { engine: engine.info, recording: recordPath };
  // The traceback goes where a Python user expects it: standard error, after the output.
  const tb = result.error?.traceback;
  if (tb) process.stderr.write(tb.endsWith('\n') ? tb : `${tb}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify(summaryJson(result, ctx), null, 2)}\n`);
  } else {
    const shown = snapshotToDraw(result, flags.map === true);
    if (shown)
      process.stdout.write(
        `\n${renderSnapshot(shown, {
          color: wantColor(flags.color),
          legend: false,
          heapCanGrow: !engine.info.fixedHeap,
        })}`,
      );
    process.stdout.write(`\n${formatSummary(result, ctx)}`);
  }
  // A report that could not be written fails a run that otherwise went well.
  if (flags.webWait) await views.keepOpenUntilCtrlC();
  return !htmlWritten && result.exit === 'ok' ? EXIT.BAD_INPUT : EXIT_OF[result.exit];
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
