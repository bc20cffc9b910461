/**
 * Running code on a board only once the board holds exactly the bytes sent.
 *
 * A board without flow control (MicroPython 1.9.2 has no raw-paste mode) drops input it cannot
 * hold while busy, and a real UART can lose or damage bytes; the raw REPL then compiles and runs
 * whatever arrived, and a lost byte can still be valid Python (`x.append` → `x.appen`, a
 * `bytearray(3000)` that became `bytearray(300)`). So code goes by the friendly REPL's paste
 * mode (Ctrl-E, in every MicroPython since 1.5), which echoes each byte as it stores it:
 *
 *   Ctrl-E         `paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== `
 *   the code       sent PIECE_BYTES at a time, each piece only once the board has echoed the one
 *                  before (flow control: its 64-byte receive ring never overflows), the echo
 *                  compared byte for byte with what was sent (the code has `\n` line ends only,
 *                  which paste mode echoes as they are)
 *   Ctrl-D         only when every byte came back: compile and run, at the same stack depth as
 *                  the raw REPL (an `exec` of checked bytes would cost 464 of the micro:bit's
 *                  1,800 bytes of stack: a snapshot inside a function then overflowed it)
 *   Ctrl-C         instead of Ctrl-D when an echo differs or stops: paste mode drops the input,
 *                  the board ran nothing, and the code is sent again
 *
 * The code runs in a frame (frameCode) that makes it run as the raw REPL would run it and report
 * as the raw REPL reports:
 *  - no value of an expression statement is printed, though paste mode belongs to the friendly
 *    REPL: `__repl_print__`, which its compiler calls for them, is `id` while the code runs;
 *  - it prints ACK (`\x06`) first, then its output, `\x04`, the traceback of an exception it
 *    raised, `\x04`. Code that does not compile prints no ACK: the REPL's own traceback comes
 *    before its prompt;
 *  - however the code ends, the heap is not left locked (`micropython.heap_lock()` without
 *    `heap_unlock()`): a locked heap refuses the REPL itself, and the board would ignore all
 *    input after. 1.9.2 cannot say how deep the lock is, so the frame unlocks one level at a
 *    time while a 2-block allocation fails with free blocks left, printing UNLOCKED for each,
 *    which is counted and taken out of the output.
 * The frame adds FRAME_LINES lines before the code and indents it two spaces (not lines inside
 * a multi-line string); `tracebackOfFramed` numbers tracebacks as the code. mpheap's own code
 * (FramedExecOptions.own) goes in a one-line frame instead.
 * Portable: no Node APIs.
 */

import { indentCode } from '../engines/python/scan.js';
import { mapTracebackLines } from '../engines/traceback.js';
import { resultOutput } from '../util/bounded-text.js';
import { BoardTimeoutError } from './errors.js';
import { type BoardLink, latin1Bytes, sleep } from './link.js';

export const ACK = '\x06';
/** Printed by the frame for each level of heap lock it released. */
export const UNLOCKED = '\x05';
export const PASTE_BANNER = 'paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ';
/** The friendly REPL's prompt as it follows a run (the echo of code never holds `\r`). */
export const PROMPT = '\r\n>>> ';
/** Bytes in flight at most: under the micro:bit's 64-byte receive ring. */
export const PIECE_BYTES = 48;
/** Sends of one piece of code before giving up. */
export const DELIVERY_ATTEMPTS = 5;
/** Lines the frame puts before the code's first line. */
export const FRAME_LINES = 3;
/** Lines the light frame of mpheap's own code puts before it. */
export const OWN_FRAME_LINES = 1;
const TRACEBACK_HEAD = 'Traceback (most recent call last):';

export class DeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface FramedResult {
  output: string;
  /** The traceback (empty when the code finished normally), numbered as the framed code. */
  error: string;
  timedOut: boolean;
  /** Sends that did not come back intact before the one that did. */
  resends: number;
  /** Levels of heap lock the code left, which the frame released (see the module comment). */
  heapUnlocks: number;
}

export interface FramedExecOptions {
  onOutput?: (text: string) => void;
  /** Interrupt the code after this long (Ctrl-C); the result then says timedOut. */
  timeoutMs?: number;
  /** How long each handshake may take. */
  answerTimeoutMs: number;
  /**
   * mpheap's own code (snapshots, identifying the board, its helper): it never locks the heap,
   * prints neither `\x04` nor a prompt, and leaves no value of an expression statement, so it
   * goes in the light frame (OWN_FRAME_LINES), which needs far less memory to compile: a heap
   * the script left nearly full must still take its snapshot. Its output is delivered whole at
   * the end.
   */
  own?: boolean;
}

/** The code inside its frame (see the module comment). */
export function frameCode(code: string): string {
  const body = indentCode(code.replace(/\r\n?/g, '\n'), '  ');
  return [
    // The friendly REPL prints the value of every expression statement at module level (through
    // `__repl_print__`); the raw REPL and a script on a board do not. `id` prints nothing.
    // `_mpheap_e` is bound before the code runs so that binding the exception it raises needs
    // no new dict entry: a script that filled the heap must still get its error framed.
    "__repl_print__=id;_mpheap_e=None;print(end='\\x06')",
    'try:',
    ' try:',
    ...body,
    '  pass',
    ' finally:',
    '  while 1:',
    '   try:bytearray(1);break',
    '   except MemoryError:',
    "    if __import__('gc').mem_free()<64:break",
    "    __import__('micropython').heap_unlock();print(end='\\x05')",
    '  del __repl_print__',
    "except BaseException as _mpheap_e:print(end='\\x04');__import__('sys').print_exception(_mpheap_e);print(end='\\x04')",
    "else:print(end='\\x04\\x04');del _mpheap_e",
    '',
  ].join('\n');
}

/**
 * Runs `code` at the friendly REPL's prompt by paste mode, once its echo proved the board holds
 * it intact. Call it at the prompt; it returns at the prompt.
 */
export async function execFramed(
  link: BoardLink,
  code: string,
  opts: FramedExecOptions,
): Promise<FramedResult> {
  const framed = opts.own
    ? `print(end='\\x06')\n${code.replace(/\r\n?/g, '\n')}\nprint(end='\\x04\\x04')\n`
    : frameCode(code);
  const bytes = new TextEncoder().encode(framed);
  const answer = opts.answerTimeoutMs;
  for (let attempt = 0; attempt < DELIVERY_ATTEMPTS; attempt++) {
    await link.write('\x05');
    await link.waitFor(PASTE_BANNER, { timeoutMs: answer, what: 'paste mode' });
    if (await sendEchoed(link, bytes, answer)) {
      await link.write('\x04');
      // Paste mode answers Ctrl-D with a line end, then the code compiles.
      await link.waitFor('\r\n', { timeoutMs: answer, what: 'the end of paste mode' });
      const started = await waitForEither(link, [ACK, PROMPT], answer * 4, 'the code to start');
      if (started.marker === PROMPT) {
        // It did not compile (SyntaxError, or no memory to compile it): the REPL said why.
        return { output: '', error: started.before, timedOut: false, heapUnlocks: 0, resends: attempt };
      }
      return { ...(await (opts.own ? followOwn(link, opts) : follow(link, opts))), resends: attempt };
    }
    // Paste mode drops what it holds on Ctrl-C; the echo still on its way is read away.
    await link.write('\x03');
    try {
      await link.waitFor(PROMPT, { timeoutMs: answer, what: 'the prompt after cancelling paste mode' });
    } catch (e) {
      if (!(e instanceof BoardTimeoutError)) throw e;
      throw new DeliveryError(
        `the board stopped echoing the ${bytes.length} bytes of code it was sent, and answers nothing since: ` +
          'its REPL could not hold them (no room left in its heap for the input) or it crashed; reset it',
      );
    }
  }
  throw new DeliveryError(
    `the board did not receive ${bytes.length} bytes of code intact in ${DELIVERY_ATTEMPTS} tries: ` +
      'the link loses or damages bytes (a long or noisy cable, a wrong baud rate?)',
  );
}

/**
 * An echo that stops this long short of its piece lost a byte (paced by the board, 48 bytes echo
 * in 4 ms at 115200 baud; a busy board may pause, which only costs a resend).
 */
const ECHO_STALL_MS = 400;

/** Sends the bytes a piece at a time; false as soon as an echo differs or stops short. */
async function sendEchoed(link: BoardLink, bytes: Uint8Array, timeoutMs: number): Promise<boolean> {
  for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
    const piece = bytes.subarray(at, at + PIECE_BYTES);
    await link.write(piece);
    const deadline = Date.now() + timeoutMs;
    let seen = link.buffered;
    let movedAt = Date.now();
    while (link.buffered < piece.length) {
      const now = Date.now();
      if (link.buffered !== seen) {
        seen = link.buffered;
        movedAt = now;
      }
      if (now - movedAt > ECHO_STALL_MS || now > deadline || link.closed !== null) return false;
      await sleep(1);
    }
    const echo = link.peek(piece.length);
    if (echo === null || !sameBytes(echo, piece)) return false;
  }
  return true;
}

function sameBytes(latin1: string, bytes: Uint8Array): boolean {
  if (latin1.length !== bytes.length) return false;
  const got = latin1Bytes(latin1);
  for (let i = 0; i < bytes.length; i++) if (got[i] !== bytes[i]) return false;
  return true;
}

/** After the ACK: output to `\x04`, error to `\x04`, prompt. */
async function follow(link: BoardLink, opts: FramedExecOptions): Promise<Omit<FramedResult, 'resends'>> {
  const answer = opts.answerTimeoutMs;
  const decoder = new TextDecoder();
  const output = resultOutput();
  let timedOut = false;
  let heapUnlocks = 0;
  const emit = (bytes: string) => pass(decoder.decode(latin1Bytes(bytes), { stream: true }));
  const pass = (decoded: string) => {
    let text = decoded;
    if (text.includes(UNLOCKED)) {
      heapUnlocks += text.split(UNLOCKED).length - 1;
      text = text.split(UNLOCKED).join('');
    }
    output.add(text);
    if (text) opts.onOutput?.(text);
  };
  try {
    await link.waitFor('\x04', {
      timeoutMs: opts.timeoutMs ?? 0x7fffffff,
      what: 'the end of the program output',
      onProgress: emit,
    });
  } catch (e) {
    if (!(e instanceof BoardTimeoutError) || opts.timeoutMs === undefined) throw e;
    timedOut = true;
    // The watchdog fired: KeyboardInterrupt, which the frame reports as any exception.
    await link.write('\x03');
    await link.waitFor('\x04', {
      timeoutMs: answer,
      what: 'the program to stop after Ctrl-C',
      onProgress: emit,
      hint: 'the program does not react to Ctrl-C',
    });
  }
  pass(decoder.decode());
  const errorBytes = await link.waitFor('\x04', { timeoutMs: answer, what: 'the error text' });
  // The frame's last `\x04` ends no line: the prompt follows it directly.
  await link.waitFor('>>> ', { timeoutMs: answer, what: 'the prompt after the code' });
  return {
    output: output.text(),
    error: new TextDecoder().decode(latin1Bytes(errorBytes)),
    timedOut,
    heapUnlocks,
  };
}

/** After the ACK, for the light frame: `\x04\x04`, or the REPL's traceback and prompt. */
async function followOwn(link: BoardLink, opts: FramedExecOptions): Promise<Omit<FramedResult, 'resends'>> {
  const answer = opts.answerTimeoutMs;
  let ended: { marker: string; before: string };
  try {
    ended = await waitForEither(
      link,
      ['\x04\x04', PROMPT],
      opts.timeoutMs ?? answer * 4,
      'the end of the code',
    );
  } catch (e) {
    if (!(e instanceof BoardTimeoutError) || opts.timeoutMs === undefined) throw e;
    await link.write('\x03');
    await link.waitFor(PROMPT, { timeoutMs: answer, what: 'the prompt after Ctrl-C' });
    return { output: '', error: 'KeyboardInterrupt: \r\n', timedOut: true, heapUnlocks: 0 };
  }
  const text = new TextDecoder().decode(latin1Bytes(ended.before));
  let output = text;
  let error = '';
  if (ended.marker === PROMPT) {
    // It raised: the REPL printed the traceback after whatever the code printed.
    const at = text.lastIndexOf(TRACEBACK_HEAD);
    output = at < 0 ? '' : text.slice(0, at);
    error = at < 0 ? text : text.slice(at);
  } else {
    await link.waitFor('>>> ', { timeoutMs: answer, what: 'the prompt after the code' });
  }
  if (output) opts.onOutput?.(output);
  return { output, error, timedOut: false, heapUnlocks: 0 };
}

async function waitForEither(
  link: BoardLink,
  markers: string[],
  timeoutMs: number,
  what: string,
): Promise<{ marker: string; before: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = link.firstOf(markers);
    if (found !== null) return found;
    if (Date.now() > deadline || link.closed !== null)
      throw new BoardTimeoutError(`no answer from the board (waited for ${what})`, '');
    await sleep(2);
  }
}

/**
 * A traceback of framed code as the caller numbers it: `<stdin>` frames FRAME_LINES earlier and
 * renamed to `filename`; frames of functions in `own` (function name → module: a module defined
 * on the board by exec, numbered as its own source) credited to their module.
 */
export function tracebackOfFramed(
  traceback: string,
  filename: string,
  own: ReadonlyMap<string, string>,
  frameLines = FRAME_LINES,
): string {
  return mapTracebackLines(traceback.replace(/\r\n/g, '\n'), ['<stdin>', '<string>'], (n, rest, file) => {
    const module = own.get(/, in (\S+)/.exec(rest)?.[1] ?? '');
    if (module !== undefined) return { file: module, line: n };
    if (file === '<string>') return n;
    return { file: filename, line: Math.max(1, n - frameLines) };
  });
}
