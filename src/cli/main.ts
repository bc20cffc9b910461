/**
 * The mpheap command line: a thin layer over the library. Each command lives in its own module
 * under ./commands and registers itself on the program, loaded only when a run names it; this
 * file only wires them up and turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { escapeControls } from '../util/text.js';
import { registerCommands } from './commands/index.js';
import { CliError, EXIT, EXIT_CODES_HELP } from './errors.js';
import { configureHelpAndErrors, helpFooter } from './help.js';

/** The program for an argument list: only the command it names is loaded (see commands/index.ts). */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('mpheap')
    .description(
      'See, understand and manage the MicroPython GC heap.\n\n' +
        'MicroPython keeps every object in one heap of 16-byte blocks (32 on 64-bit builds). ' +
        'mpheap models that heap block for block, decodes the output of micropython.mem_info(1), ' +
        'runs scripts on real MicroPython and shows what they do to the heap.',
    )
    .version('0.1.0');
  // Before the commands are defined: each one copies the help layout and the error style.
  configureHelpAndErrors(program);
  program
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          {
            command: 'mpheap run examples/fragmentation.py --fixed --heap 16K --step',
            note:
              'a script on real MicroPython, its heap after every statement, and why a MemoryError ' +
              'happened although memory was free',
          },
          { command: 'mpheap decode log.txt', note: 'read a mem_info(1) someone pasted, or a serial log' },
          {
            command: 'mpheap emulate microbit',
            note: 'a real MicroPython board without hardware; it prints the --port to give run and monitor',
          },
        ],
        sections: [
          {
            title: '',
            body: 'Every command has --help with examples, and --json for scripts (docs/json.md).',
          },
        ],
        exitCodes: EXIT_CODES_HELP,
      }),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  await registerCommands(program, argv.slice(2));
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return e.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if (e instanceof CliError) {
      process.stderr.write(`mpheap: ${escapeControls(e.message)}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
