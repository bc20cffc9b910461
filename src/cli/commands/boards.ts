/** `mpheap boards`: the board heap profiles `run --board` and `fit` know, with where each figure comes from. */
import type { Command } from 'commander';
import { BOARD_PROFILES } from '../../engines/board-profiles.js';
import { formatBytes } from '../../util/size.js';
import { wrapForTerminal } from '../../views/terminal/index.js';
import { helpFooter } from '../help.js';

export function registerBoards(program: Command): void {
  program
    .command('boards')
    .description(
      "The heap each board's stock firmware gives MicroPython's GC, as `mpheap run --board NAME` " +
        'and `mpheap fit` use it: the pool `GC: total` prints at start, whether the heap can grow, ' +
        'and where the figure comes from (measured here, printed by a board in a published ' +
        'capture, or computed from the firmware source). A figure that is not exact says by how ' +
        'much it may be off.',
    )
    .option('--json', 'print the profiles as JSON')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          { command: 'mpheap boards' },
          { command: 'mpheap run main.py --board pico', note: "the script in a Pico's heap" },
          { command: 'mpheap fit main.py', note: 'the heap it needs, against every board' },
        ],
        exitCodes: '0.',
      }),
    )
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ boards: BOARD_PROFILES }, null, 2)}\n`);
        return;
      }
      const lines: string[] = [];
      for (const b of BOARD_PROFILES) {
        const pool = `${formatBytes(b.poolBytes)} B${b.uncertaintyBytes === null ? '' : ` ±${formatBytes(b.uncertaintyBytes)}`}`;
        const grows = b.canGrowBytes === null ? 'fixed' : `grows by up to ${formatBytes(b.canGrowBytes)} B`;
        lines.push(`${b.name.padEnd(12)} ${pool.padEnd(16)} ${grows}`);
        lines.push(`             ${b.title}`);
        lines.push(`             source: ${b.source}`);
      }
      // A source is a sentence or two: wrapped to the terminal, under its own indent.
      process.stdout.write(`${wrapForTerminal(lines.join('\n'))}\n`);
    });
}
