/**
 * A board link: what the board sent and has not been consumed yet, and waiting for a marker in it
 * with a timeout. The raw REPL (./raw-repl.ts) and the monitor are written on top of this.
 *
 * Bytes are kept as a latin1 string (one char per byte), so markers like `\x04>` are found with
 * indexOf and no byte is ever altered; text for people is decoded from UTF-8 separately.
 * Portable: timers and strings only, no Node APIs.
 */
import { BoardTimeoutError, LinkClosedError, seconds } from './errors.js';
import type { Transport } from './transport.js';

export interface WaitOptions {
  timeoutMs: number;
  /** Says what we were waiting for, for the timeout message: `the raw REPL prompt`. */
  what: string;
  /** Hint added to the timeout message. */
  hint?: string;
  /**
   * Receives the bytes before the marker as they arrive (latin1), holding back only what could be
   * the start of the marker. Lets program output stream while we wait for its end. Every byte
   * goes to it and none is kept (waitFor then resolves with ''): a program that prints for hours
   * is neither held whole nor searched again for the marker with every chunk.
   */
  onProgress?: (bytes: string) => void;
}

interface Waiter {
  marker: string;
  opts: WaitOptions;
  resolve: (before: string) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export const NO_ANSWER_HINT =
  'is another program holding the port, or is the board running something that ignores Ctrl-C?';

export class BoardLink {
  private pending = '';
  private waiter: Waiter | null = null;
  private closedReason: string | null = null;
  private taps: ((bytes: string) => void)[] = [];
  private closeListeners: ((reason: string) => void)[] = [];
  /** Every byte received and sent, for the benchmark and for progress. */
  bytesIn = 0;
  bytesOut = 0;

  constructor(readonly transport: Transport) {
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose((reason) => this.linkClosed(reason));
  }

  get name(): string {
    return this.transport.name;
  }

  get closed(): string | null {
    return this.closedReason;
  }

  async open(): Promise<void> {
    await this.transport.open();
    this.closedReason = null;
  }

  /** Sees every received chunk (latin1) before anyone consumes it: recordings, live output. */
  tap(listener: (bytes: string) => void): () => void {
    this.taps.push(listener);
    return () => {
      this.taps = this.taps.filter((t) => t !== listener);
    };
  }

  /** Called when the link ends on its own or is closed. */
  onClosed(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  async write(bytes: string | Uint8Array): Promise<void> {
    if (this.closedReason !== null) throw new LinkClosedError(`${this.name}: ${this.closedReason}`);
    const data = typeof bytes === 'string' ? latin1Bytes(bytes) : bytes;
    this.bytesOut += data.length;
    await this.transport.write(data);
  }

  /**
   * Writes in small pieces with a pause after each. Boards whose firmware cannot hold up the sender
   * (MicroPython before raw-paste mode, 1.9.2 among them) keep a small receive ring (64 bytes on the
   * micro:bit) and drop what does not fit while they are busy. See docs/performance.md, Boards.
   */
  async writePaced(bytes: Uint8Array, pace: Pacing): Promise<void> {
    for (let i = 0; i < bytes.length; i += pace.chunkBytes) {
      await this.write(bytes.subarray(i, i + pace.chunkBytes));
      if (pace.gapMs > 0 && i + pace.chunkBytes < bytes.length) await sleep(pace.gapMs);
    }
  }

  /** How many received bytes wait to be consumed. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Everything received and not consumed yet (consumes it). */
  take(): string {
    const out = this.pending;
    this.pending = '';
    return out;
  }

  /** Consumes and returns exactly n bytes when that many are waiting; otherwise null. */
  peek(n: number): string | null {
    if (this.pending.length < n) return null;
    const out = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    return out;
  }

  /** Finds whichever marker comes first, consumes through it and returns it; null when none has arrived. */
  consumeFirst(markers: string[]): string | null {
    return this.firstOf(markers)?.marker ?? null;
  }

  /** Like consumeFirst, and also returns the bytes before the marker (consumed with it). */
  firstOf(markers: string[]): { marker: string; before: string } | null {
    let best: string | null = null;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const m of markers) {
      const at = this.pending.indexOf(m);
      if (at >= 0 && at < bestAt) {
        best = m;
        bestAt = at;
      }
    }
    if (best === null) return null;
    const before = this.pending.slice(0, bestAt);
    this.pending = this.pending.slice(bestAt + best.length);
    return { marker: best, before };
  }

  /** Waits until `marker` arrives; resolves with the bytes before it (with onProgress: '') and consumes both. */
  waitFor(marker: string, opts: WaitOptions): Promise<string> {
    if (this.waiter)
      return Promise.reject(new Error(`${this.name}: already waiting for ${this.waiter.opts.what}`));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        const heard =
          this.pending === '' ? 'nothing' : `only ${JSON.stringify(visible(this.pending.slice(-60)))}`;
        reject(
          new BoardTimeoutError(
            `no answer from the board in ${seconds(opts.timeoutMs)} (waited for ${opts.what}, got ${heard}): ${opts.hint ?? NO_ANSWER_HINT}`,
            this.pending,
          ),
        );
      }, opts.timeoutMs);
      this.waiter = { marker, opts, resolve, reject, timer };
      if (this.closedReason !== null) this.linkClosed(this.closedReason);
      else this.check();
    });
  }

  /** Waits until nothing has arrived for `quietMs` (at most `maxMs`), then drops what came. */
  async settle(quietMs: number, maxMs: number): Promise<string> {
    const start = Date.now();
    let seen = this.bytesIn;
    let quietSince = Date.now();
    while (Date.now() - start < maxMs) {
      await sleep(Math.min(10, quietMs));
      if (this.bytesIn !== seen) {
        seen = this.bytesIn;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs) break;
    }
    return this.take();
  }

  async close(): Promise<void> {
    this.linkClosed('the link was closed');
    await this.transport.close();
  }

  private receive(chunk: Uint8Array): void {
    const text = latin1Text(chunk);
    this.bytesIn += chunk.length;
    this.pending += text;
    for (const t of this.taps) t(text);
    this.check();
  }

  private check(): void {
    const w = this.waiter;
    if (!w) return;
    const at = this.pending.indexOf(w.marker);
    if (at >= 0) {
      this.waiter = null;
      clearTimeout(w.timer);
      const before = this.pending.slice(0, at);
      this.pending = this.pending.slice(at + w.marker.length);
      if (!w.opts.onProgress) w.resolve(before);
      else {
        if (at > 0) w.opts.onProgress(before);
        w.resolve('');
      }
      return;
    }
    if (w.opts.onProgress) {
      // Hold back a tail that might be the start of the marker.
      const safe = this.pending.length - (w.marker.length - 1);
      if (safe > 0) {
        w.opts.onProgress(this.pending.slice(0, safe));
        this.pending = this.pending.slice(safe);
      }
    }
  }

  private linkClosed(reason: string): void {
    if (this.closedReason === null) for (const l of this.closeListeners) l(reason);
    this.closedReason = reason;
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    clearTimeout(w.timer);
    w.reject(new LinkClosedError(`${this.name}: ${reason} (while waiting for ${w.opts.what})`));
  }
}

export interface Pacing {
  /** Bytes per write. */
  chunkBytes: number;
  /** Pause after each write. */
  gapMs: number;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function latin1Text(bytes: Uint8Array): string {
  let s = '';
  // Chunked so large reads do not overflow the argument limit of fromCharCode.
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** Control characters shown as \xNN, for messages. */
export function visible(s: string): string {
  return s.replace(
    /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
