/**
 * The mpheap command line: a thin layer over the library. Each command lives in its own module
 * under ./commands and registers itself on the program; this file only wires them up and turns
 * errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { CliError, EXIT } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('mpheap')
    .description(
      'See, understand and manage the MicroPython GC heap.\n\n' +
        'MicroPython keeps every object in one heap of 16-byte blocks (32 on 64-bit builds).\n' +
        'mpheap models that heap block for block, decodes micropython.mem_info(1) output,\n' +
        'runs scripts on real MicroPython and shows what they do to the heap.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return e.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if (e instanceof CliError) {
      process.stderr.write(`mpheap: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
