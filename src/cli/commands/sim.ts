/** `mpheap sim TRACE`: run a heap trace on the model of gc.c and print what MicroPython prints. */
import type { Command } from 'commander';
import type { GcHeap } from '../../heap/gc-heap.js';
import { formatAllocTable, profileByName } from '../../heap/mem-info-format.js';
import { compareSettings, settingGrid } from '../../trace/compare.js';
import { parseTrace, TraceError, type TraceOp } from '../../trace/parse.js';
import { runTrace, type SimResult } from '../../trace/run.js';
import { formatBytes, formatSize } from '../../util/size.js';
import { escapeControls } from '../../util/text.js';
import { writeTraceReport } from '../../views/report/trace-snapshots.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter, NO_COLOR_PLAIN_HELP } from '../help.js';
import { fileErrorWhy, intOption, readTextFile, sizeOption, wordOption } from '../io.js';
import { wroteReport } from './wrote-report.js';

interface SimFlags {
  word: string;
  heap?: string;
  threshold?: string;
  compare?: boolean;
  step?: boolean;
  profile: string;
  json?: boolean;
  html?: string;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description(
      'Run a trace of heap operations (alloc, free, realloc, ref, root, collect, threshold, info, ' +
        "dump) on mpheap's model of MicroPython's gc.c and print exactly what gc.c prints: the " +
        'mem_info() GC lines for `info`, the heap map of mem_info(1) for `dump`, and a line for every ' +
        'failed allocation. The trace format is described in docs/trace-format.md.\n\n' +
        "What-if replay: --heap and --threshold replace the trace's own settings, so the same " +
        'operations can run on a bigger heap or with another gc.threshold(). With --compare, each ' +
        'option takes a comma-separated list and every combination runs side by side.',
    )
    .argument('<trace>', "trace file ('-' for standard input)")
    .option(
      '--word <4|8>',
      'machine word size: 4 = 32-bit (16-byte blocks), 8 = 64-bit (32-byte blocks)',
      '4',
    )
    .option('--heap <size>', 'heap size for every `heap` op (e.g. 10048, 112K, 0x1C000)')
    .option('--threshold <bytes>', 'gc.threshold(bytes) for the whole trace; -1 turns it off')
    .option('--compare', 'run every combination of --heap and --threshold lists and tabulate them')
    .option('--step', 'print the operation and the heap map after every operation')
    .option(
      '--profile <name>',
      'dump format: modern (v1.20+, %08x offsets) or legacy (v1.9-v1.19, %05x)',
      'modern',
    )
    .option('--json', 'print results as JSON')
    .option('--no-color', NO_COLOR_PLAIN_HELP)
    .option('--html <file>', 'also write an HTML report: a heap snapshot after every operation')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap sim examples/traces/fragmentation.trace' },
          { command: 'mpheap sim examples/traces/fragmentation.trace --word 8 --step' },
          { command: 'mpheap sim examples/traces/fragmentation.trace --html fragmentation.html' },
          {
            command:
              'mpheap sim examples/traces/fragmentation.trace --compare --heap 10048,16K,32K --threshold -1,1024',
            note: 'every heap size with and without a threshold, side by side',
          },
        ],
        exitCodes: '0 ran, 2 bad or empty trace, or a bad option (the message names file, line and column).',
      }),
    )
    .action((file: string, flags: SimFlags) => {
      const wordSize = wordOption(flags.word);
      const profile = profileByName(flags.profile);
      if (!profile) throw new CliError(`--profile: '${flags.profile}' is not modern or legacy`);
      const text = readTextFile(file, 'trace');
      const name = file === '-' ? 'standard input' : file;
      let trace: ReturnType<typeof parseTrace>;
      try {
        trace = parseTrace(text, file === '-' ? '<stdin>' : file);
      } catch (e) {
        if (e instanceof TraceError) throw new CliError(e.message, EXIT.BAD_INPUT);
        throw e;
      }
      // Nothing to run is a mistake (an empty file, the wrong file), not a run that went well.
      if (trace.ops.length === 0)
        throw new CliError(`${name}: no heap operations in it (an empty trace; see docs/trace-format.md)`);
      // Text from the trace (its lines, its ids) is printed with control bytes escaped.
      const print = (t: string) => process.stdout.write(escapeControls(t));

      if (flags.compare) {
        const list = (v: string | undefined, parse: (s: string) => number) =>
          v === undefined ? [] : v.split(',').map((s) => parse(s.trim()));
        const heaps = list(flags.heap, (s) => sizeOption(s, '--heap'));
        const thresholds = list(flags.threshold, (s) => intOption(s, '--threshold'));
        const rows = compareSettings(trace, wordSize, settingGrid(heaps, thresholds));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ wordSize, rows }, null, 2)}\n`);
          return;
        }
        printComparison(rows);
        return;
      }

      const heapBytes = flags.heap === undefined ? undefined : sizeOption(flags.heap, '--heap');
      const thresholdBytes =
        flags.threshold === undefined ? undefined : intOption(flags.threshold, '--threshold');
      // The trace's own lines, to label steps and report snapshots; a plain run needs none.
      const lines = flags.step || flags.html ? text.split(/\r?\n/) : [];
      const onStep = flags.step
        ? (op: TraceOp, heap: GcHeap | null, printed: string) => {
            print(printed);
            const source = (lines[op.line - 1] ?? '').replace(/#.*/, '').trim();
            print(`-- line ${op.line}: ${source}\n`);
            if (heap) {
              print(
                formatAllocTable(
                  // As the trace's own `dump` lines print it (the model's address means nothing).
                  [{ baseText: '<base>', map: heap.blockMap() }],
                  heap.blockSize,
                  profile,
                ),
              );
            }
          }
        : undefined;
      const simOpts = { wordSize, heapBytes, thresholdBytes, profile, onStep };
      const result = flags.html
        ? writeHtml(flags.html, file, trace, { ...simOpts, lines })
        : runTrace(trace, simOpts);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ wordSize, output: result.output, stats: result.stats }, null, 2)}\n`,
        );
      } else if (!flags.step) {
        print(result.output);
      }
    });
}

/** sim --html: the report, said on stderr as every command that writes one says it. */
function writeHtml(
  path: string,
  file: string,
  trace: ReturnType<typeof parseTrace>,
  opts: Parameters<typeof writeTraceReport>[3],
): SimResult {
  let written: ReturnType<typeof writeTraceReport>;
  try {
    written = writeTraceReport(path, file, trace, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code)
      throw new CliError(`--html: cannot write '${path}': ${fileErrorWhy(e)}`);
    throw e;
  }
  process.stderr.write(`${wroteReport(path, written.snapshots, written.bytes)}\n`);
  return written.result;
}

function printComparison(rows: ReturnType<typeof compareSettings>): void {
  const header = ['heap', 'threshold', 'failed allocs', 'collections', 'peak used', 'lowest largest free'];
  const body = rows.map((r) => [
    r.setting.heapBytes === undefined ? "trace's" : formatSize(r.setting.heapBytes),
    r.setting.thresholdBytes === undefined
      ? "trace's"
      : r.setting.thresholdBytes < 0
        ? 'off'
        : formatBytes(r.setting.thresholdBytes),
    String(r.failedAllocations),
    String(r.collections),
    `${formatBytes(r.peakUsed ?? 0)} B`,
    `${formatBytes(r.minLargestFree ?? 0)} B`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const fmt = (row: string[]) =>
    row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`${fmt(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of body) process.stdout.write(`${fmt(row)}\n`);
}
