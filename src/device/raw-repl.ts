/**
 * MicroPython's raw REPL, as py/pyexec.c defines it, spoken over a BoardLink:
 *
 *   Ctrl-C Ctrl-C        interrupt whatever runs; the friendly REPL answers `>>> `
 *   Ctrl-A               enter the raw REPL: `raw REPL; CTRL-B to exit\r\n>`
 *   code, Ctrl-D         `OK`, then the output, `\x04`, the error text, `\x04`, and the prompt `>`
 *   Ctrl-E A Ctrl-A      ask for raw-paste mode (v1.13+): `R\x01` + window size (16-bit LE), then
 *                        the sender may send that many bytes and one window more each time the
 *                        board sends `\x01`; Ctrl-D ends the code, the board answers `\x04`.
 *                        `R\x00`: understood, not supported. Older firmware (1.9.2) does not know
 *                        Ctrl-E: it takes Ctrl-A as "enter the raw REPL" again and prints the banner.
 *   Ctrl-D on empty input  soft reset: `OK\r\nsoft reboot\r\n` … banner
 *   Ctrl-B               back to the friendly REPL
 *
 * Without raw-paste there is no flow control, and a board that is busy drops what overflows its
 * receive ring; so we only ever send after the prompt and pace plain raw-REPL writes. Nothing
 * here checks that code arrived whole: SerialEngine uses the raw REPL for the handshakes (enter,
 * soft reset) and runs code by verified-exec.ts, which does.
 * Portable: no Node APIs.
 */
import { resultOutput } from '../util/bounded-text.js';
import { BoardTimeoutError, seconds } from './errors.js';
import { type BoardLink, latin1Bytes, NO_ANSWER_HINT, type Pacing, sleep } from './link.js';

const CTRL_A = '\x01';
const CTRL_B = '\x02';
const CTRL_C = '\x03';
const CTRL_D = '\x04';
export const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n>';

export interface RawReplOptions {
  /** How long each handshake may take (entering the raw REPL, `OK`, the prompt). Default 5 s. */
  answerTimeoutMs?: number;
  /** Pacing for plain raw-REPL writes. Default: 32-byte pieces, 2 ms apart (measured in bench/device.bench.js). */
  pacing?: Pacing;
  /** false: never try raw-paste mode. Default: try once, remember the answer. */
  rawPaste?: boolean;
}

export interface RawExecOptions {
  /** Program output as it arrives (UTF-8 decoded). */
  onOutput?: (text: string) => void;
  /** Interrupt the code after this long (Ctrl-C); the result then says timedOut. */
  timeoutMs?: number;
}

export interface RawExecResult {
  output: string;
  /** The traceback text (empty when the code finished normally). */
  error: string;
  timedOut: boolean;
}

/** 32 bytes is half the micro:bit's 64-byte receive ring; 2 ms is about 23 bytes at 115200 baud. */
export const DEFAULT_PACING: Pacing = { chunkBytes: 32, gapMs: 2 };
/** `OK` follows Ctrl-D at once (before compiling); waiting longer only delays the retry. */
const OK_WAIT_MS = 2000;
/** Sends of one piece of code before giving up, each at half the chunk size and twice the gap. */
const SEND_ATTEMPTS = 3;

export class RawRepl {
  /** null until the first exec asked the firmware. */
  rawPasteSupported: boolean | null;
  readonly answerTimeoutMs: number;
  readonly pacing: Pacing;
  /** Code sends repeated because bytes were lost (see sendPlain). */
  retries = 0;
  private inRaw = false;

  constructor(
    readonly link: BoardLink,
    opts: RawReplOptions = {},
  ) {
    this.answerTimeoutMs = opts.answerTimeoutMs ?? 5000;
    this.pacing = opts.pacing ?? DEFAULT_PACING;
    this.rawPasteSupported = opts.rawPaste === false ? false : null;
  }

  get active(): boolean {
    return this.inRaw;
  }

  /** Stops whatever runs and leaves the board at a prompt; drops what it printed meanwhile. */
  async interrupt(): Promise<string> {
    await this.link.write(`\r${CTRL_C}`);
    await sleep(50);
    await this.link.write(CTRL_C);
    // Let the traceback and prompt arrive, but do not wait forever for a board that keeps talking.
    return this.link.settle(100, 1000);
  }

  /** Interrupts, then enters the raw REPL and waits for its prompt. */
  async enter(): Promise<void> {
    await this.interrupt();
    await this.link.write(CTRL_A);
    await this.link.waitFor(RAW_BANNER, { timeoutMs: this.answerTimeoutMs, what: 'the raw REPL banner' });
    this.inRaw = true;
  }

  /** Runs code as one unit and waits for it to finish. */
  async exec(code: string, opts: RawExecOptions = {}): Promise<RawExecResult> {
    if (!this.inRaw) await this.enter();
    // Ctrl-D on empty input would soft-reset the board.
    const bytes = new TextEncoder().encode(code.trim() === '' ? 'pass' : code);
    if (this.rawPasteSupported !== false && (await this.tryRawPaste(bytes))) {
      // raw-paste mode: the board has compiled the code and runs it now (no `OK`).
    } else {
      await this.sendPlain(bytes);
    }
    return this.follow(opts);
  }

  /**
   * Plain raw REPL: the code, then Ctrl-D, answered by `OK` at once. No `OK` means bytes were lost
   * (Ctrl-D among them): Ctrl-C clears the board's half-received input and we send again, slower.
   */
  private async sendPlain(bytes: Uint8Array): Promise<void> {
    let pace = this.pacing;
    for (let attempt = 1; ; attempt++) {
      await this.link.writePaced(bytes, pace);
      await this.link.write(CTRL_D);
      try {
        await this.link.waitFor('OK', {
          timeoutMs: Math.min(this.answerTimeoutMs, OK_WAIT_MS),
          what: `the board to accept ${bytes.length} bytes of code`,
          hint:
            'bytes were lost on the way (a busy board drops input it cannot hold), or the code does not fit in ' +
            "the board's free heap (the raw REPL holds all of it in RAM before compiling)",
        });
        this.retries += attempt - 1;
        return;
      } catch (e) {
        if (!(e instanceof BoardTimeoutError) || attempt === SEND_ATTEMPTS) throw e;
      }
      await this.link.write(CTRL_C);
      await this.link.settle(50, 500);
      pace = { chunkBytes: Math.max(8, pace.chunkBytes >> 1), gapMs: Math.max(2, pace.gapMs * 2) };
    }
  }

  /** Soft reset from the raw REPL: fresh interpreter, heap emptied; stays in the raw REPL. */
  async softReset(): Promise<void> {
    if (!this.inRaw) await this.enter();
    await this.link.write(CTRL_D);
    await this.link.waitFor('soft reboot', { timeoutMs: this.answerTimeoutMs, what: 'the soft reboot' });
    await this.link.waitFor(RAW_BANNER, {
      timeoutMs: this.answerTimeoutMs,
      what: 'the raw REPL after the soft reboot',
    });
  }

  /** Back to the friendly REPL (the board prints its banner and `>>> `). */
  async leave(): Promise<void> {
    if (!this.inRaw) return;
    this.inRaw = false;
    await this.link.write(CTRL_B);
  }

  /** Reads output until `\x04`, the error until `\x04`, then the prompt. */
  private async follow(opts: RawExecOptions): Promise<RawExecResult> {
    const decoder = new TextDecoder();
    const output = resultOutput();
    let timedOut = false;
    const emit = (bytes: string) => {
      const text = decoder.decode(latin1Bytes(bytes), { stream: true });
      output.add(text);
      if (text) opts.onOutput?.(text);
    };
    const watchdog = opts.timeoutMs ?? 0x7fffffff;
    try {
      await this.link.waitFor(CTRL_D, {
        timeoutMs: watchdog,
        what: 'the end of the program output',
        onProgress: emit,
      });
    } catch (e) {
      if (!(e instanceof BoardTimeoutError) || opts.timeoutMs === undefined) throw e;
      timedOut = true;
      // The watchdog fired: stop the program; it then ends the exchange as usual.
      await this.link.write(CTRL_C);
      await this.link.waitFor(CTRL_D, {
        timeoutMs: this.answerTimeoutMs,
        what: 'the program to stop after Ctrl-C',
        onProgress: emit,
        hint: 'the program does not react to Ctrl-C',
      });
    }
    const tail = decoder.decode();
    if (tail) {
      output.add(tail);
      opts.onOutput?.(tail);
    }
    const errorBytes = await this.link.waitFor(CTRL_D, {
      timeoutMs: this.answerTimeoutMs,
      what: 'the error text',
    });
    await this.link.waitFor('>', { timeoutMs: this.answerTimeoutMs, what: 'the raw REPL prompt' });
    return { output: output.text(), error: new TextDecoder().decode(latin1Bytes(errorBytes)), timedOut };
  }

  /** Asks for raw-paste mode; sends the code that way when the firmware has it. */
  private async tryRawPaste(bytes: Uint8Array): Promise<boolean> {
    await this.link.write('\x05A\x01');
    // Either `R\x01`/`R\x00`, or (old firmware) the raw REPL banner again: wait for whichever.
    const answer = await this.waitForEither(
      ['R\x01', 'R\x00', RAW_BANNER],
      'the answer to the raw-paste request',
    );
    if (answer !== 'R\x01') {
      this.rawPasteSupported = false;
      return false;
    }
    this.rawPasteSupported = true;
    const sizeBytes = await this.readBytes(2, 'the raw-paste window size');
    const windowSize = sizeBytes.charCodeAt(0) | (sizeBytes.charCodeAt(1) << 8);
    let credit = windowSize;
    let sent = 0;
    while (sent < bytes.length) {
      // Collect every window increment (`\x01`) the board sent; `\x04` means it wants us to stop.
      for (const c of this.link.take()) {
        if (c === '\x01') credit += windowSize;
        else if (c === CTRL_D) {
          await this.link.write(CTRL_D);
          throw new Error(`${this.link.name}: the board aborted the raw-paste transfer`);
        }
      }
      if (credit === 0) {
        const flow = await this.readBytes(1, 'raw-paste flow control');
        if (flow === '\x01') credit += windowSize;
        else if (flow === CTRL_D) {
          await this.link.write(CTRL_D);
          throw new Error(`${this.link.name}: the board aborted the raw-paste transfer`);
        }
        continue;
      }
      const n = Math.min(credit, bytes.length - sent);
      await this.link.write(bytes.subarray(sent, sent + n));
      sent += n;
      credit -= n;
    }
    await this.link.write(CTRL_D);
    // The board acknowledges the end of the code with \x04 (window increments may precede it).
    await this.link.waitFor(CTRL_D, {
      timeoutMs: this.answerTimeoutMs,
      what: 'the end of the raw-paste transfer',
    });
    return true;
  }

  private async readBytes(n: number, what: string): Promise<string> {
    const deadline = Date.now() + this.answerTimeoutMs;
    for (;;) {
      const got = this.link.peek(n);
      if (got !== null) return got;
      if (Date.now() > deadline) {
        throw new BoardTimeoutError(
          `no answer from the board in ${seconds(this.answerTimeoutMs)} (waited for ${what}): ${NO_ANSWER_HINT}`,
          '',
        );
      }
      await sleep(2);
    }
  }

  private async waitForEither(markers: string[], what: string): Promise<string> {
    const deadline = Date.now() + this.answerTimeoutMs;
    for (;;) {
      const found = this.link.consumeFirst(markers);
      if (found !== null) return found;
      if (Date.now() > deadline) {
        throw new BoardTimeoutError(
          `no answer from the board in ${seconds(this.answerTimeoutMs)} (waited for ${what}): ${NO_ANSWER_HINT}`,
          '',
        );
      }
      await sleep(2);
    }
  }
}
