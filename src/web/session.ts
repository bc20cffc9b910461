/**
 * The page's data: the snapshots it was given (a report) or that keep arriving (the dashboard's
 * /events stream, or a board over WebSerial), unpacked on demand by MapStore.
 *
 * A live page runs as long as the session, so it holds what the dashboard's history holds
 * (`keepChars`, counted in the characters each message arrived as) and drops its oldest by the
 * same rules (views/live/history-budget.ts). A report keeps all it was given.
 */

import type { HeapProfile } from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { EVENT_SHARE, firstSnapshotKept, newestWithin, OUTPUT_SHARE } from '../views/live/history-budget.js';
import {
  MapStore,
  type PackedSnapshot,
  type ReportData,
  type ReportEvent,
  SnapshotPacker,
} from '../views/report/format.js';
import { memoryErrorRequest } from './heap-figures.js';

export interface MemoryErrorInfo {
  /** Bytes asked for, when the output or the event says. */
  request: number | null;
  message: string;
  /** True for the heap read inside an allocation that found no room (caught or not). */
  allocationFailed?: boolean;
}

export class Session {
  readonly store: MapStore;
  /** Bumped on every change so views know to redraw. */
  version = 0;
  /** The connection's state, as setStatus last put it. */
  private statusText = '';
  private readonly listeners = new Set<() => void>();
  /** Snapshots dropped from the front to bound memory: a kept index moves down by the change. */
  droppedSnapshots = 0;
  private packer: SnapshotPacker | null = null;
  /** Characters each held snapshot and event arrived as (parallel to data.snapshots/events). */
  private snapshotChars: number[] = [];
  private eventChars: number[] = [];
  private held = 0;

  constructor(readonly data: ReportData) {
    this.store = new MapStore(data.snapshots);
    const keep = data.keepChars;
    if (keep !== undefined) {
      data.keepChars = undefined;
      this.keepAtMost(keep);
    }
  }

  get snapshots(): PackedSnapshot[] {
    return this.data.snapshots;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  /** `chars`: the length of the message it came in (measured here when not given). */
  addPacked(s: PackedSnapshot, chars?: number): void {
    this.data.snapshots.push(s);
    if (this.data.keepChars !== undefined) {
      const c = chars ?? JSON.stringify(s).length;
      this.snapshotChars.push(c);
      this.hold(c, this.data.keepChars);
    }
    this.changed();
  }

  /** A snapshot decoded in the page itself (WebSerial). */
  addSnapshot(s: HeapSnapshot): void {
    this.packer ??= new SnapshotPacker();
    this.addPacked(this.packer.pack({ ...s, seq: this.droppedSnapshots + this.data.snapshots.length }));
  }

  addEvent(e: ReportEvent, chars?: number): void {
    this.data.events.push(e);
    if (this.data.keepChars !== undefined) {
      const c = chars ?? JSON.stringify(e).length;
      this.eventChars.push(c);
      this.hold(c, this.data.keepChars);
    }
    this.changed();
  }

  addOutput(text: string): void {
    this.data.output += text;
    if (this.data.keepChars !== undefined) this.hold(text.length, this.data.keepChars);
    this.changed();
  }

  /** The connection's state, and what was dropped to bound memory. */
  get status(): string {
    if (this.droppedSnapshots === 0) return this.statusText;
    const dropped = `${this.droppedSnapshots.toLocaleString('en-US')} older snapshots dropped to bound memory`;
    return this.statusText ? `${this.statusText} (${dropped})` : dropped;
  }

  /**
   * From now on hold at most `chars` (a board connected over WebSerial to a report page, which
   * then grows as a live page does).
   */
  keepAtMost(chars: number): void {
    if (this.data.keepChars !== undefined) return;
    this.data.keepChars = chars;
    this.snapshotChars = this.data.snapshots.map((p) => JSON.stringify(p).length);
    this.eventChars = this.data.events.map((e) => JSON.stringify(e).length);
    this.held = this.data.output.length;
    for (const c of [...this.snapshotChars, ...this.eventChars]) this.held += c;
  }

  /** Characters held (snapshots, events and output): what `keepChars` bounds. */
  get heldChars(): number {
    return this.held;
  }

  private hold(chars: number, budget: number): void {
    this.held += chars;
    if (this.held > budget) this.compact(budget);
  }

  private compact(budget: number): void {
    const { snapshots, events } = this.data;
    const outputLimit = Math.floor(budget * OUTPUT_SHARE);
    if (this.data.output.length > outputLimit)
      this.data.output = this.data.output.slice(this.data.output.length - outputLimit);
    const firstEvent = newestWithin(this.eventChars, budget * EVENT_SHARE);
    events.splice(0, firstEvent);
    this.eventChars.splice(0, firstEvent);
    let kept = this.data.output.length;
    for (const c of this.eventChars) kept += c;
    // A profile is a key frame wherever the maps are one (format.ts).
    const first = firstSnapshotKept(this.snapshotChars, (k) => snapshots[k].maps !== undefined, kept, budget);
    for (const c of this.snapshotChars.slice(first)) kept += c;
    this.held = kept;
    if (first === 0) return;
    snapshots.splice(0, first);
    this.snapshotChars.splice(0, first);
    this.droppedSnapshots += first;
    // The unpacked maps are cached by index, and every index just moved.
    this.store.clear();
  }

  /**
   * The dashboard dropped data this page had not read yet (it fell behind, or opened late on a
   * long session): start over from what it sends next, which begins with a key frame.
   */
  resetLive(dropped: number): void {
    this.data.snapshots.length = 0;
    this.data.events.length = 0;
    this.data.output = '';
    this.snapshotChars = [];
    this.eventChars = [];
    this.held = 0;
    this.store.clear();
    this.statusText = `live: connected (${dropped.toLocaleString('en-US')} older messages dropped to bound memory)`;
  }

  /** The run's heap profile: in a report's data, or sent once the live run ends. */
  get profile(): HeapProfile | null {
    return this.data.profile ?? null;
  }

  setProfile(profile: HeapProfile): void {
    this.data.profile = profile;
    this.changed();
  }

  setStatus(text: string): void {
    this.statusText = text;
    this.changed();
  }

  /** The MemoryError at snapshot i, if its trigger, its output or an event says there was one. */
  memoryError(i: number): MemoryErrorInfo | null {
    const s = this.data.snapshots[i];
    if (!s) return null;
    if (s.trigger === 'alloc_failed') {
      const asked = /allocating (\d+) bytes/.exec(s.label ?? '');
      return {
        request: asked ? Number(asked[1]) : null,
        message: `${s.label ?? 'an allocation'}: no room even after a collection`,
        allocationFailed: true,
      };
    }
    const fromOutput = memoryErrorRequest(s.outputBefore);
    const event = this.data.events.find((e) => e.event === 'memory_error' && e.seq === s.seq);
    if (
      s.trigger !== 'memory_error' &&
      fromOutput === null &&
      !event &&
      !/MemoryError/.test(s.outputBefore)
    ) {
      return null;
    }
    const request = event?.request ?? fromOutput;
    const line = /MemoryError[^\n]*/.exec(s.outputBefore)?.[0];
    return { request, message: event?.message ?? line ?? 'MemoryError' };
  }

  /** Follows the dashboard's server-sent events. */
  connectLive(url = '/events'): void {
    const es = new EventSource(url);
    es.addEventListener('snapshot', (m) => {
      const text = (m as MessageEvent).data as string;
      this.addPacked(JSON.parse(text), text.length);
    });
    es.addEventListener('event', (m) => {
      const text = (m as MessageEvent).data as string;
      this.addEvent(JSON.parse(text), text.length);
    });
    es.addEventListener('output', (m) => this.addOutput(JSON.parse((m as MessageEvent).data)));
    es.addEventListener('reset', (m) => this.resetLive(JSON.parse((m as MessageEvent).data).dropped));
    es.addEventListener('profile', (m) => this.setProfile(JSON.parse((m as MessageEvent).data)));
    es.addEventListener('open', () => this.setStatus('live: connected'));
    es.addEventListener('error', () => this.setStatus('live: disconnected (retrying)'));
  }
}
