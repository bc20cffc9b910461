/** Exit codes shared by every command, and the error type that carries one. */
export const EXIT = {
  OK: 0,
  /** decode: the input held no mem_info diagnostics. */
  NOTHING_FOUND: 1,
  /** Unreadable input or bad usage: a bad trace, file, option or port. */
  BAD_INPUT: 2,
  /** A budget (--max-used, --min-largest-free, --no-memory-error) was violated. */
  BUDGET: 3,
  /** The script raised an exception or the engine/board failed. */
  SCRIPT_FAILED: 4,
  /** The watchdog stopped a script that ran too long. */
  TIMEOUT: 5,
  /** Interrupted by the user (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

/** The exit codes in words, as every command's --help and the README say them. */
export const EXIT_CODES_HELP =
  '0 ok, 1 nothing found, 2 bad input or usage, 3 budget broken, 4 script or engine failed, ' +
  '5 watchdog timeout, 130 interrupted (Ctrl-C).';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.BAD_INPUT,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
