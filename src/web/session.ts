/**
 * The page's data: the snapshots it was given (a report) or that keep arriving (the dashboard's
 * /events stream, or a board over WebSerial), unpacked on demand by MapStore.
 */

import type { HeapSnapshot } from '../snapshot/snapshot.js';
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
  status = '';
  private readonly listeners = new Set<() => void>();
  private packer: SnapshotPacker | null = null;

  constructor(readonly data: ReportData) {
    this.store = new MapStore(data.snapshots);
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

  addPacked(s: PackedSnapshot): void {
    this.data.snapshots.push(s);
    this.changed();
  }

  /** A snapshot decoded in the page itself (WebSerial). */
  addSnapshot(s: HeapSnapshot): void {
    this.packer ??= new SnapshotPacker();
    this.addPacked(this.packer.pack({ ...s, seq: this.data.snapshots.length }));
  }

  addEvent(e: ReportEvent): void {
    this.data.events.push(e);
    this.changed();
  }

  addOutput(text: string): void {
    this.data.output += text;
    this.changed();
  }

  setStatus(text: string): void {
    this.status = text;
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
    es.addEventListener('snapshot', (m) => this.addPacked(JSON.parse((m as MessageEvent).data)));
    es.addEventListener('event', (m) => this.addEvent(JSON.parse((m as MessageEvent).data)));
    es.addEventListener('output', (m) => this.addOutput(JSON.parse((m as MessageEvent).data)));
    es.addEventListener('open', () => this.setStatus('live: connected'));
    es.addEventListener('error', () => this.setStatus('live: disconnected (retrying)'));
  }
}
