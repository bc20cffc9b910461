/** `mpheap sim TRACE`: run a heap trace on the model of gc.c and print what MicroPython prints. */
import type { Command } from 'commander';
import type { GcHeap } from '../../heap/gc-heap.js';
import { formatAllocTable, profileByName } from '../../heap/mem-info-format.js';
import { compareSettings, settingGrid } from '../../trace/compare.js';
import { parseTrace, TraceError, type TraceOp } from '../../trace/parse.js';
import { runTrace } from '../../trace/run.js';
import { formatBytes, formatSize } from '../../util/size.js';
import { writeTraceReport } from '../../views/report/trace-snapshots.js';
import { CliError, EXIT } from '../errors.js';
import { intOption, readTextFile, sizeOption, wordOption } from '../io.js';

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
      'Run a trace of heap operations (alloc, free, realloc, ref, root, collect, threshold,\n' +
        "info, dump) on mpheap's model of MicroPython's gc.c and print exactly what gc.c prints:\n" +
        'the mem_info() GC lines for `info`, the heap map of mem_info(1) for `dump`, and a line\n' +
        'for every failed allocation. The trace format is described in docs/trace-format.md.\n\n' +
        "What-if replay: --heap and --threshold replace the trace's own settings, so the same\n" +
        'operations can run on a bigger heap or with another gc.threshold(). With --compare,\n' +
        'each option takes a comma-separated list and every combination runs side by side.',
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
    .option('--html <file>', 'also write an HTML report: a heap snapshot after every operation')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mpheap sim examples/traces/fragmentation.trace\n' +
        '  mpheap sim examples/traces/fragmentation.trace --word 8 --step\n' +
        '  mpheap sim examples/traces/fragmentation.trace --html fragmentation.html\n' +
        '  mpheap sim examples/traces/fragmentation.trace --compare --heap 10048,16K,32K --threshold -1,1024\n\n' +
        'Exit codes: 0 ran, 2 bad trace or option (the message names file, line and token).',
    )
    .action((file: string, flags: SimFlags) => {
      const wordSize = wordOption(flags.word);
      const profile = profileByName(flags.profile);
      if (!profile) throw new CliError(`--profile: '${flags.profile}' is not modern or legacy`);
      const text = readTextFile(file, 'trace');
      let trace: ReturnType<typeof parseTrace>;
      try {
        trace = parseTrace(text, file === '-' ? '<stdin>' : file);
      } catch (e) {
        if (e instanceof TraceError) throw new CliError(e.message, EXIT.BAD_INPUT);
        throw e;
      }

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
            process.stdout.write(printed);
            const source = (lines[op.line - 1] ?? '').replace(/#.*/, '').trim();
            process.stdout.write(`-- line ${op.line}: ${source}\n`);
            if (heap) {
              process.stdout.write(
                formatAllocTable(
                  [{ baseText: heap.baseText(), map: heap.blockMap() }],
                  heap.blockSize,
                  profile,
                ),
              );
            }
          }
        : undefined;
      const simOpts = { wordSize, heapBytes, thresholdBytes, profile, onStep };
      const result = flags.html
        ? writeTraceReport(flags.html, file, trace, { ...simOpts, lines })
        : runTrace(trace, simOpts);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ wordSize, output: result.output, stats: result.stats }, null, 2)}\n`,
        );
      } else if (!flags.step) {
        process.stdout.write(result.output);
      }
    });
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
