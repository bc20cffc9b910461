/** `mpheap fit SCRIPT`: the smallest fixed heap a script runs in to the end, against each board. */
import type { Command } from 'commander';
import { BOARD_PROFILES, type BoardProfile } from '../../engines/board-profiles.js';
import { MIN_WASM_HEAP, WasmEngine } from '../../engines/wasm/wasm-engine.js';
import { type FitProbe, findSmallestHeap } from '../../run/fit.js';
import { formatBytes, formatSize } from '../../util/size.js';
import { wrapText } from '../../util/text.js';
import { terminalColumns } from '../../views/terminal/index.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter } from '../help.js';
import { readTextFile, sizeOption } from '../io.js';
import { simInputOption } from './sim-input-option.js';

interface FitFlags {
  simInput?: string;
  max: string;
  timeout: string;
  json?: boolean;
}

export function registerFit(program: Command): void {
  program
    .command('fit')
    .description(
      'Find the smallest heap in which a script runs to the end: the embedded engine, collecting ' +
        'as a board does, with a fixed heap of each size tried (each try a fresh engine, the whole ' +
        'script), down to 256 bytes. Then check it as you would: a run at that size ends well and a ' +
        'run 1 KiB smaller fails. Then set it against each board profile (mpheap boards): the ' +
        'room to spare, or how much is missing.\n\n' +
        'The size is in the unit of `mpheap run --heap` (the region given to gc_init); the GC pool ' +
        'inside it (`GC: total`) is said beside it, and is what boards are compared by. What is in ' +
        "use before the script's first line (MicroPython's start-up objects, mpheap's small guard " +
        'module, board shims the script imports) counts, as it would on a board, and is said. ' +
        'The script must end by itself: give a loop a pass limit.',
    )
    .argument('<script>', "MicroPython script ('-' for standard input)")
    .option('--max <size>', 'give up above this heap size', '8M')
    .option('--sim-input <file>', 'what the board shims read (as for mpheap run; docs/shims.md)')
    .option('--timeout <seconds>', 'watchdog for each try', '60')
    .option('--json', 'print the result as JSON (docs/json.md); progress goes to stderr')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap fit main.py' },
          { command: 'mpheap fit main.py --json | jq .minHeapBytes' },
          {
            command: 'mpheap run main.py --fixed --heap $(mpheap fit main.py --json | jq .minHeapBytes)',
            note: 'run it in exactly the heap it needs',
          },
        ],
        exitCodes:
          '0 found, 2 bad option or unreadable script, 4 the script does not run to the end in any ' +
          'heap up to --max (or fails for another reason).',
      }),
    )
    .action(async (file: string, flags: FitFlags) => {
      process.exitCode = await fitCommand(file, flags);
    });
}

async function fitCommand(file: string, flags: FitFlags): Promise<number> {
  const script = readTextFile(file, 'script');
  const scriptName = file === '-' ? '<stdin>' : file;
  const maxHeap = sizeOption(flags.max, '--max');
  if (maxHeap < MIN_WASM_HEAP) throw new CliError(`--max: at least ${formatSize(MIN_WASM_HEAP)}`);
  const timeoutS = Number(flags.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new CliError(`--timeout: '${flags.timeout}' is not a positive number of seconds`);

  const tty = process.stderr.isTTY === true;
  // On a terminal each try overwrites the last: cut to one row, or a wrapped row would stay.
  const width = terminalColumns(process.stderr);
  const say = (text: string) =>
    process.stderr.write(
      tty
        ? `\r\x1b[2K${width !== null && text.length >= width ? `${text.slice(0, width - 2)}…` : text}`
        : `${text}\n`,
    );
  const result = await findSmallestHeap(
    script,
    (heapSize) => new WasmEngine({ heapSize, fixed: true, collector: 'board-only' }),
    {
      minHeap: MIN_WASM_HEAP,
      maxHeap,
      timeoutMs: timeoutS * 1000,
      scriptName,
      onProbe: (p) => say(`mpheap fit: ${probeText(p)}`),
      shims: { simInput: simInputOption(flags.simInput) },
    },
  );
  if (tty) process.stderr.write('\r\x1b[2K');

  if (!result.found) {
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify({ found: false, reason: result.reason, probes: result.probes }, null, 2)}\n`,
      );
    throw new CliError(result.reason, EXIT.SCRIPT_FAILED);
  }
  const pool = result.minPoolBytes;
  const atMin = result.probes.find((p) => p.heapBytes === result.minHeapBytes);
  const before = atMin?.startUsedBytes ?? null;
  const shims = atMin?.shimsBytes ?? null;
  const boards = BOARD_PROFILES.map((b) => ({ ...margin(b, pool), name: b.name }));
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          found: true,
          script: scriptName,
          minHeapBytes: result.minHeapBytes,
          minPoolBytes: pool,
          granularityBytes: result.granularityBytes,
          check: result.check,
          usedBeforeScriptBytes: before,
          shimsBytes: shims,
          boards,
          probes: result.probes,
        },
        null,
        2,
      )}\n`,
    );
    return EXIT.OK;
  }
  const lines: string[] = [];
  lines.push(
    `${scriptName} runs to the end in a heap of ${formatBytes(result.minHeapBytes)} bytes ` +
      `(--heap ${result.minHeapBytes}; GC pool ${pool === null ? '?' : formatBytes(pool)} bytes), to within ${result.granularityBytes} bytes:`,
  );
  lines.push(
    result.check.failedBelow === null
      ? `  it ran at ${formatBytes(result.check.ranAt)}, in the smallest heap the engine takes`
      : `  it ran at ${formatBytes(result.check.ranAt)} and failed at ${formatBytes(result.check.failedBelow)} (${formatBytes(result.check.ranAt - result.check.failedBelow)} less)`,
  );
  if (before !== null)
    lines.push(
      `  ${formatBytes(before)} bytes of it were in use before the script's first line (MicroPython's own start-up ` +
        "objects, mpheap's guard and the board shims the script imports; a board's start-up uses its own)",
    );
  if (shims !== null)
    lines.push(
      `  ${formatBytes(shims)} bytes of that are the board shims' (machine, time, … in MicroPython), ` +
        "which a board's firmware keeps in flash: on a board the script needs less",
    );
  lines.push(`  ${result.probes.length} tries`);
  const columns = terminalColumns();
  const wrap = (text: string, hang?: number) => (columns === null ? text : wrapText(text, columns, hang));
  const table = ['board         GC pool        this script'];
  for (const b of BOARD_PROFILES) {
    const m = boards.find((x) => x.name === b.name)!;
    const about = b.uncertaintyBytes === null ? '' : ` ±${formatBytes(b.uncertaintyBytes)}`;
    table.push(`${b.name.padEnd(13)} ${`${formatBytes(b.poolBytes)}${about}`.padEnd(14)} ${m.text}`);
  }
  // A long verdict goes on under its column.
  process.stdout.write(`${wrap(lines.join('\n'))}\n\n${wrap(table.join('\n'), 29)}\n`);
  return EXIT.OK;
}

function probeText(p: FitProbe): string {
  return `${formatBytes(p.heapBytes)} bytes: ${p.ok ? 'ran to the end' : (p.failure ?? 'failed')}`;
}

/** Room to spare on a board (positive) or bytes missing (negative), by GC pool. */
function margin(
  b: BoardProfile,
  pool: number | null,
): { marginBytes: number | null; fits: boolean | null; text: string } {
  if (pool === null) return { marginBytes: null, fits: null, text: 'unknown (the pool was not printed)' };
  const room = b.poolBytes + (b.canGrowBytes ?? 0) - pool;
  const about =
    b.uncertaintyBytes !== null && Math.abs(room) <= b.uncertaintyBytes ? ' (too close to call)' : '';
  const grows = b.canGrowBytes === null ? '' : ', counting what its heap can grow by';
  return {
    marginBytes: room,
    fits: about ? null : room >= 0,
    text:
      room >= 0
        ? `fits, ${formatBytes(room)} bytes to spare${grows}${about}`
        : `does not fit: ${formatBytes(-room)} bytes short${grows}${about}`,
  };
}
