/** Errors the board link raises; commands turn them into exit codes (src/cli/errors.ts). */

/** The board did not answer in time. The message says what we waited for and what may be wrong. */
export class BoardTimeoutError extends Error {
  constructor(
    message: string,
    /** What arrived while waiting (the tail of it), to help the reader see what the board did say. */
    readonly received: string,
  ) {
    super(message);
    this.name = 'BoardTimeoutError';
  }
}

/** The link went away (board unplugged or reset its USB, emulator stopped, socket closed). */
export class LinkClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkClosedError';
  }
}

/** The port cannot be opened or named. */
export class PortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortError';
  }
}

/** Seconds for messages: 5000 → `5 s`, 1500 → `1.5 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
