/** `mpheap decode [FILE|-]`: read mem_info output from a log, a capture or a recording. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { snapshotJson } from '../../analysis/snapshot-json.js';
import { writeReportFile } from '../../views/report/write-report.js';
import { renderSnapshot, terminalColumns, wantColor } from '../../views/terminal/index.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter, NO_COLOR_HELP } from '../help.js';
import { blockSizeOption, fileErrorWhy, intOption } from '../io.js';
import { type Decoded, readSnapshots } from '../read-snapshots.js';
import { wroteReport } from './wrote-report.js';

interface DecodeFlags {
  snapshot?: string;
  all?: boolean;
  width: string;
  color?: boolean;
  json?: boolean;
  blockSize?: string;
  word?: string;
  legend?: boolean;
  quiet?: boolean;
  html?: string;
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description(
      'Read the output of micropython.mem_info() / mem_info(1) from a log file, a serial capture or ' +
        'an mpheap recording, and show each heap snapshot it holds: the map in colour, a legend ' +
        'saying what every character means, the figures (used, free, largest free block, holes, ' +
        'fragmentation, per-type usage) and a one-line verdict.\n\n' +
        'Any MicroPython (v1.4 to v1.28, 16- or 32-byte blocks, one or several heap areas) and ' +
        'CircuitPython is understood, with prompts, program output, ANSI colours, \\r\\n or \\n ' +
        'around it. A dump cut short is shown and marked incomplete; figures the capture does not ' +
        'give are said to be unknown, never guessed. The file is streamed, so logs of any size work.',
    )
    .argument('[file]', "log file, recording (.ndjson) or '-' for standard input", '-')
    .option('--snapshot <n>', 'show snapshot N (0 is the first, -1 the last; default: the last)')
    .option('--all', 'show every snapshot')
    .option('--width <blocks>', 'blocks per map row', '64')
    .option('--no-color', NO_COLOR_HELP)
    .option('--no-legend', 'leave out the legend')
    .option(
      '--word <bytes>',
      "the port's word size, 4 (32-bit) or 8 (64-bit: unix, windows), when a capture cannot tell its block size",
    )
    .option('--block-size <bytes>', 'block size when a capture cannot tell (4 × --word)')
    .option(
      '--json',
      'print {"snapshots": [...]}: the snapshots the view would show (--all for every one; schema: docs/json.md)',
    )
    .option('--html <file>', 'also write an HTML report of every snapshot and the program output')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap decode capture.log', note: 'the last snapshot, in colour' },
          { command: 'mpheap decode capture.log --all --no-color', note: 'every snapshot, plain text' },
          { command: 'mpheap decode capture.log --snapshot 0 --width 32' },
          { command: 'mpheap decode unix-mem_info.txt --word 8', note: 'a 64-bit port: 32-byte blocks' },
          { command: 'mpremote exec "import micropython; micropython.mem_info(1)" | mpheap decode -' },
          {
            command: 'mpheap decode run.ndjson --all --json | jq ".snapshots[].largestFreeBytes"',
            note: 'the largest free block of every snapshot',
          },
          { command: 'mpheap decode capture.log --html heap.html', note: 'also a page to open in a browser' },
        ],
        exitCodes:
          '0 decoded, 1 no mem_info output found, 2 unreadable input or bad option, 130 interrupted.',
      }),
    )
    .action(async (file: string, flags: DecodeFlags) => {
      const width = intOption(flags.width, '--width');
      if (width < 8 || width > 1024) throw new CliError('--width: must be between 8 and 1024 blocks');
      const blockSize = blockSizeOption(flags);
      const index = flags.snapshot === undefined ? null : intOption(flags.snapshot, '--snapshot');
      const source = file === '-' ? 'stdin' : `file:${file}`;
      const decoded = await readSnapshots(file, { source, blockSize, command: 'decode' });
      const { snapshots } = decoded;
      if (snapshots.length === 0) {
        process.stderr.write(
          `mpheap: no mem_info output found in ${file === '-' ? 'standard input' : file}\n`,
        );
        process.exitCode = EXIT.NOTHING_FOUND;
        return;
      }
      let chosen = snapshots;
      if (!flags.all) {
        const i = index === null ? snapshots.length - 1 : index < 0 ? snapshots.length + index : index;
        if (i < 0 || i >= snapshots.length) {
          throw new CliError(
            `--snapshot: ${index} is out of range (found ${snapshots.length}: 0 to ${snapshots.length - 1})`,
          );
        }
        chosen = [snapshots[i]];
      }
      if (flags.html !== undefined) writeHtml(flags.html, file, decoded);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ snapshots: chosen.map((s) => snapshotJson(s)) }, null, 2)}\n`,
        );
        return;
      }
      const color = wantColor(flags.color);
      const columns = terminalColumns();
      const parts = chosen.map((s) => renderSnapshot(s, { color, width, legend: flags.legend, columns }));
      if (!flags.all && snapshots.length > 1) {
        parts.unshift(
          `${snapshots.length} snapshots found; showing #${chosen[0].seq} (--snapshot N or --all for others)\n\n`,
        );
      }
      process.stdout.write(parts.join('\n'));
    });
}

/**
 * The report holds every snapshot, whichever one the terminal shows: the page has its own
 * timeline to pick from. It is said on stderr so that stdout stays the view (or the JSON).
 */
function writeHtml(path: string, file: string, decoded: Decoded): void {
  const name = file === '-' ? 'standard input' : basename(file);
  let bytes: number;
  try {
    bytes = writeReportFile(path, decoded.snapshots, {
      title: `mpheap decode: ${name}`,
      output: decoded.output,
      events: decoded.events,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code) throw new CliError(`--html: cannot write '${path}': ${fileErrorWhy(err)}`, EXIT.BAD_INPUT);
    throw e;
  }
  process.stderr.write(`${wroteReport(path, decoded.snapshots.length, bytes)}\n`);
}
