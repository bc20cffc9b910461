/**
 * Watching a running board: attach without resetting it, pass its output on, decode every
 * `mem_info` that goes by (whoever printed it), optionally sample the heap when the board sits
 * idle at its `>>> ` prompt (pressing Enter once if the board has said nothing since we attached),
 * and survive the board going away: when the link drops, the gap is
 * reported and the port is retried until it comes back.
 * Portable: the caller supplies transports (Node serial/TCP, WebSerial) and stores what comes out.
 */

import type { DecodeWarning, StreamDecoder } from '../decode/api.js';
import { createDecoder } from '../decode/decoder.js';
import { formatMarker } from '../decode/markers.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { BoardLink, latin1Bytes, sleep } from './link.js';
import type { Transport } from './transport.js';

export interface MonitorOptions {
  /** A fresh, unopened transport for each connection attempt. */
  connect: () => Transport | Promise<Transport>;
  /** Goes into every snapshot's `source` (e.g. `serial:/dev/ttyACM0`). */
  source: string;
  /** Sample `mem_info(1)` this often while the board is idle at its prompt; null: never. */
  pollMs?: number | null;
  /** Pause between reconnection attempts. Default 500 ms. */
  retryMs?: number;
  onSnapshot?: (s: HeapSnapshot) => void;
  onOutput?: (text: string) => void;
  onWarning?: (w: DecodeWarning) => void;
  /** `gap` (the link dropped: {reason}) and `reconnect` (it is back: {afterMs}). */
  onEvent?: (event: 'gap' | 'reconnect', fields: Record<string, unknown>) => void;
  now?: () => number;
}

export interface MonitorSummary {
  snapshots: number;
  /** Snapshots cut short (the board reset or the link dropped mid-dump). */
  incomplete: number;
  polls: number;
  gaps: number;
  bytes: number;
  durationMs: number;
}

/**
 * What we type at the prompt to sample the heap. It binds no name, and it collects first (its
 * value always None, which the REPL does not print, whatever collect() returns): what
 * the previous poll compiled is garbage by then, and a map that kept it would show mpheap's polls
 * as a leak (+240 bytes a poll on an idle micro:bit). So every poll of an idle board shows the
 * same heap: what is live, plus this line's own code while it runs (the readline history keeps
 * one copy of it, since the line never changes).
 */
export const POLL_COMMAND = `[__import__('gc').collect()] and None;print('${formatMarker('poll')}');__import__('micropython').mem_info(1)\r`;
/** The friendly REPL's echo of POLL_COMMAND. */
const POLL_ECHO = `${POLL_COMMAND.slice(0, -1)}\r\n`;
/** The prompt must have been quiet this long before we type (the board is surely idle). */
const IDLE_BEFORE_POLL_MS = 300;

export class BoardMonitor {
  private link: BoardLink | null = null;
  private decoder: StreamDecoder | null = null;
  private stopped = false;
  private seq = 0;
  private tail = '';
  private lastDataAt = 0;
  private lastPollAt = 0;
  private attachedAt = 0;
  private nudged = false;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private reconnecting: Promise<void> | null = null;
  private readonly startedAt: number;
  private readonly counts = { snapshots: 0, incomplete: 0, polls: 0, gaps: 0, bytes: 0 };
  private readonly now: () => number;

  constructor(readonly opts: MonitorOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** True while a link to the board is up. */
  get connected(): boolean {
    return this.link !== null && this.link.closed === null;
  }

  /** Connects once; a first connection that fails is an error (a wrong port name, say). */
  async start(): Promise<void> {
    await this.attach();
    const pollMs = this.opts.pollMs;
    if (pollMs) this.pollTimer = setInterval(() => void this.maybePoll(pollMs), Math.min(pollMs, 250));
  }

  /** Types into the board (keyboard passthrough, or a test starting a program). */
  async send(text: string): Promise<void> {
    if (!this.link || !this.connected) throw new Error('the board is not connected');
    // The friendly REPL echoes every character; pace so a small receive ring keeps up.
    await this.link.writePaced(latin1Bytes(text), { chunkBytes: 16, gapMs: 5 });
  }

  /** Resolves when `predicate` holds (checked every 20 ms), or rejects after timeoutMs. */
  async until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (!predicate()) {
      if (this.now() > deadline) throw new Error(`monitor: ${what} did not happen in ${timeoutMs / 1000} s`);
      await sleep(20);
    }
  }

  summary(): MonitorSummary {
    return { ...this.counts, durationMs: this.now() - this.startedAt };
  }

  /** Ends monitoring: a dump cut short is still delivered (marked incomplete). */
  async stop(): Promise<MonitorSummary> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    const link = this.link;
    this.link = null;
    this.decoder?.end();
    this.decoder = null;
    await link?.close();
    await this.reconnecting;
    return this.summary();
  }

  private async attach(): Promise<void> {
    const link = new BoardLink(await this.opts.connect());
    // Nothing is written on attach: the board keeps running what it runs.
    await link.open();
    const decoder = createDecoder({
      source: this.opts.source,
      now: this.now,
      onSnapshot: (s) => this.snapshot(s),
      onOutput: (text) => {
        // The board echoes what --poll typed: that is mpheap talking, not the board's output.
        const shown = text.split(POLL_ECHO).join('');
        if (shown) this.opts.onOutput?.(shown);
      },
      onWarning: this.opts.onWarning,
    });
    link.tap((bytes) => {
      this.counts.bytes += bytes.length;
      this.lastDataAt = this.now();
      this.tail = (this.tail + bytes).slice(-16);
      decoder.feed(latin1Bytes(bytes));
      // Nobody waits on this link's buffer while monitoring; keep it from growing.
      queueMicrotask(() => link.take());
    });
    link.onClosed((reason) => {
      if (this.link !== link || this.stopped) return;
      this.link = null;
      decoder.end();
      this.decoder = null;
      this.counts.gaps++;
      this.opts.onEvent?.('gap', { reason });
      this.reconnecting = this.reconnect();
    });
    this.link = link;
    this.decoder = decoder;
    this.tail = '';
    this.attachedAt = this.now();
    this.lastDataAt = 0;
    this.nudged = false;
  }

  private async reconnect(): Promise<void> {
    const lostAt = this.now();
    while (!this.stopped) {
      await sleep(this.opts.retryMs ?? 500);
      if (this.stopped) return;
      try {
        await this.attach();
        this.opts.onEvent?.('reconnect', { afterMs: this.now() - lostAt });
        return;
      } catch {
        // The port is not back yet; try again.
      }
    }
  }

  private snapshot(s: HeapSnapshot): void {
    // Decoders restart at 0 on each connection; the monitor numbers the whole session.
    s.seq = this.seq++;
    this.counts.snapshots++;
    if (!s.complete) this.counts.incomplete++;
    this.opts.onSnapshot?.(s);
  }

  private async maybePoll(pollMs: number): Promise<void> {
    const t = this.now();
    if (!this.connected || t - this.lastPollAt < pollMs) return;
    if (this.tail === '' && !this.nudged && t - this.attachedAt >= IDLE_BEFORE_POLL_MS) {
      // Silent since we attached (its prompt went by before we came): one Enter shows the
      // prompt if the board is idle; a running program at worst reads an empty line.
      this.nudged = true;
      await this.send('\r').catch(() => {});
      return;
    }
    if (!this.tail.endsWith('>>> ') || t - this.lastDataAt < IDLE_BEFORE_POLL_MS) return;
    this.lastPollAt = t;
    this.counts.polls++;
    try {
      await this.send(POLL_COMMAND);
    } catch {
      // The link dropped while typing; the gap is reported by onClosed.
    }
  }
}
