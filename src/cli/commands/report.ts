/** `mpheap report RECORDING|DUMP -o report.html`: one self-contained HTML page of a heap's history. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { escapeControls } from '../../util/text.js';
import { profileOfEvents, type ReportOptions, writeReportFile } from '../../views/report/write-report.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter, NO_COLOR_PLAIN_HELP } from '../help.js';
import { blockSizeOption, fileErrorWhy } from '../io.js';
import { readSnapshots } from '../read-snapshots.js';
import { wroteReport } from './wrote-report.js';

interface ReportFlags {
  output: string;
  title?: string;
  blockSize?: string;
  word?: string;
  json?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Write one HTML file that shows a heap over time: the heap map block by block (coloured by ' +
        'type; hover for the object), a timeline of used, free, largest free block and ' +
        'fragmentation (click or drag to pick a snapshot, arrow keys to step), what changed since ' +
        'the previous snapshot, per-type figures, hole sizes and any MemoryError. A recording of ' +
        '`mpheap run --profile` adds the heap profile: an icicle graph of the call stacks that ' +
        'allocated, the top lines, what grows across collections, and on the map the line that ' +
        'made each block.\n\n' +
        'The input is a recording (NDJSON from `run --record` or `monitor --record`) or any text ' +
        'holding micropython.mem_info(1) output (a serial log, a terminal capture). The page needs ' +
        'no network and no other file: open it from disk, attach it to a bug report.',
    )
    .argument('<input>', "recording or mem_info text ('-' for standard input)")
    .option('-o, --output <file>', 'the HTML file to write', 'report.html')
    .option('--title <text>', 'page title (default: the input file name)')
    .option(
      '--word <bytes>',
      "the port's word size, 4 or 8 (64-bit ports), when a capture cannot tell its block size",
    )
    .option('--block-size <bytes>', 'block size when a capture cannot tell (4 × --word)')
    .option('--json', 'print {"output","bytes","snapshots","events"} instead of a sentence')
    .option('--no-color', NO_COLOR_PLAIN_HELP)
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap report run.ndjson -o heap.html' },
          { command: 'mpheap report serial-capture.log -o heap.html --title "sensor loop, board 3"' },
          {
            command:
              'mpremote exec "import micropython; micropython.mem_info(1)" | mpheap report - -o now.html',
          },
        ],
        exitCodes:
          '0 written, 1 no snapshot in the input, 2 unreadable input, bad option or unwritable output.',
      }),
    )
    .action(async (file: string, flags: ReportFlags) => {
      const blockSize = blockSizeOption(flags);
      const name = file === '-' ? '<stdin>' : basename(file);
      // Streamed: a 100 MB log costs the snapshots it holds, not its size (the output is capped).
      const decoded = await readSnapshots(file, { source: `file:${name}`, blockSize, command: 'report' });
      const { snapshots } = decoded;
      const opts: ReportOptions = {
        title: flags.title ?? `mpheap report: ${name}`,
        events: decoded.events,
        output: decoded.output,
      };
      for (const w of decoded.warnings)
        process.stderr.write(`mpheap: warning: ${escapeControls(`${file}: ${w}`)}\n`);
      // A run with --profile: its profile goes in the page (a damaged one is said, and left out).
      const { profile, problem } = profileOfEvents(decoded.events);
      opts.profile = profile;
      if (problem)
        process.stderr.write(
          `mpheap: warning: ${escapeControls(`${file}: ${problem}`)}; the report has no heap profile\n`,
        );
      if (snapshots.length === 0) {
        throw new CliError(
          `${file}: no mem_info output or snapshot found; nothing to report`,
          EXIT.NOTHING_FOUND,
        );
      }
      let bytes: number;
      try {
        bytes = writeReportFile(flags.output, snapshots, opts);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code) throw new CliError(`cannot write '${flags.output}': ${fileErrorWhy(err)}`);
        throw e;
      }
      const events = opts.events?.length ?? 0;
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ output: flags.output, bytes, snapshots: snapshots.length, events })}\n`,
        );
      } else {
        process.stdout.write(`${wroteReport(flags.output, snapshots.length, bytes)}\n`);
      }
    });
}
