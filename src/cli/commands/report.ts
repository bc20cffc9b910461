/** `mpheap report RECORDING|DUMP -o report.html`: one self-contained HTML page of a heap's history. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { decodeText } from '../../decode/index.js';
import { isRecording, parseRecording } from '../../recording/recording.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import { profileOfEvents, type ReportOptions, writeReportFile } from '../../views/report/write-report.js';
import { CliError, EXIT } from '../errors.js';
import { blockSizeOption, readTextFile } from '../io.js';

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
      'Write one HTML file that shows a heap over time: the heap map block by block (coloured by\n' +
        'type; hover for the object), a timeline of used, free, largest free block and\n' +
        'fragmentation (click or drag to pick a snapshot, arrow keys to step), what changed since\n' +
        'the previous snapshot, per-type figures, hole sizes and any MemoryError. A recording of\n' +
        '`mpheap run --profile` adds the heap profile: an icicle graph of the call stacks that\n' +
        'allocated, the top lines, what grows across collections, and on the map the line that\n' +
        'made each block.\n\n' +
        'The input is a recording (NDJSON from `run --record` or `monitor --record`) or any text\n' +
        'holding micropython.mem_info(1) output (a serial log, a terminal capture). The page needs\n' +
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
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mpheap report run.ndjson -o heap.html\n' +
        '  mpheap report serial-capture.log -o heap.html --title "sensor loop, board 3"\n' +
        '  mpremote exec "import micropython; micropython.mem_info(1)" | mpheap report - -o now.html\n\n' +
        'Exit codes: 0 written, 1 no snapshot in the input, 2 unreadable input, bad option or\n' +
        'unwritable output.',
    )
    .action((file: string, flags: ReportFlags) => {
      const text = readTextFile(file, 'input');
      const name = file === '-' ? '<stdin>' : basename(file);
      let snapshots: HeapSnapshot[];
      const opts: ReportOptions = { title: flags.title ?? `mpheap report: ${name}` };
      if (isRecording(text)) {
        const rec = parseRecording(Buffer.from(text, 'latin1').toString('utf8'));
        snapshots = rec.snapshots;
        opts.events = rec.events;
        opts.output = rec.outputs.map((o) => o.text).join('');
        for (const w of rec.warnings) process.stderr.write(`warning: ${file}: ${w}\n`);
        // A run with --profile: its profile goes in the page (a damaged one is said, and left out).
        const { profile, problem } = profileOfEvents(rec.events);
        opts.profile = profile;
        if (problem) process.stderr.write(`warning: ${file}: ${problem}; the report has no heap profile\n`);
      } else {
        const blockSize = blockSizeOption(flags);
        const decoded = decodeText(
          Buffer.from(text, 'latin1'),
          `file:${name}`,
          blockSize ? { blockSize } : {},
        );
        snapshots = decoded.snapshots;
        opts.output = decoded.output;
      }
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
        if (err.code) throw new CliError(`cannot write '${flags.output}': ${err.message}`);
        throw e;
      }
      const events = opts.events?.length ?? 0;
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ output: flags.output, bytes, snapshots: snapshots.length, events })}\n`,
        );
      } else {
        process.stdout.write(
          `wrote ${flags.output}: ${snapshots.length} snapshot${snapshots.length > 1 ? 's' : ''}, ${(bytes / 1024).toFixed(1)} KiB\n`,
        );
      }
    });
}
