/**
 * What the live dashboard keeps for the pages: every message as its server-sent-event frame, in
 * the order pushed, within a byte budget. Pages read it with their own cursor (an SSE id), so one
 * copy serves them all, however many and however slow.
 *
 * When the budget is exceeded the history is compacted to half of it by history-budget.ts's rules
 * (the page follows the same ones), the run's profile always kept. A page whose cursor points at
 * something dropped is told to start over (`reset`) and sent what is kept.
 */
import type { HeapProfile } from '../../snapshot/profile.js';
import type { PackedSnapshot, ReportEvent } from '../report/format.js';
import { EVENT_SHARE, firstSnapshotKept, newestWithin, OUTPUT_SHARE } from './history-budget.js';

export const DEFAULT_HISTORY_BYTES = 32 * 1024 * 1024;
/** One print of megabytes is kept and dropped in pieces, like many small prints. */
const OUTPUT_PIECE = 64 * 1024;

type Kind = 'snapshot' | 'event' | 'output' | 'profile';

export interface HistoryEntry {
  id: number;
  kind: Kind;
  /** `id: N\nevent: kind\ndata: JSON\n\n`. JSON escapes newlines, so data is one line. */
  frame: string;
  /** A snapshot with whole maps (not a patch): the page can start from it. */
  keyFrame: boolean;
}

export class LiveHistory {
  private entries: HistoryEntry[] = [];
  private nextId = 1;
  /** Characters held in frames (about bytes: the frames are JSON, ASCII but for output text). */
  bytes = 0;
  /** Bumped by each compaction, so a page's cursor is checked only after something was dropped. */
  generation = 0;
  /** Entries dropped so far. */
  dropped = 0;

  constructor(private readonly budget: number) {}

  addSnapshot(p: PackedSnapshot): boolean {
    this.add('snapshot', p, p.maps !== undefined);
    return true;
  }

  addEvent(e: ReportEvent): boolean {
    this.add('event', e, false);
    return true;
  }

  /** The run's heap profile (sent once, at the end of a profiled run): never dropped. */
  addProfile(profile: HeapProfile): boolean {
    this.add('profile', profile, false);
    return true;
  }

  addOutput(text: string): boolean {
    if (!text) return false;
    for (let i = 0; i < text.length; i += OUTPUT_PIECE)
      this.add('output', text.slice(i, i + OUTPUT_PIECE), false);
    return true;
  }

  /** The cursor for a page that connects, from the Last-Event-ID it sends when it reconnects. */
  resumeAfter(lastEventId: string | string[] | undefined): { next: number; reset: boolean } {
    if (typeof lastEventId !== 'string' || !/^\d{1,15}$/.test(lastEventId)) return { next: 1, reset: false };
    const last = Number(lastEventId);
    // An id this server never sent: the page holds another session's data.
    if (last >= this.nextId) return { next: 1, reset: true };
    return { next: last + 1, reset: false };
  }

  /** True when something at or after `next` (not yet sent to that page) has been dropped. */
  missed(next: number): boolean {
    const kept = this.entries.length - this.indexOf(next);
    return kept !== this.nextId - next;
  }

  /** The entries from id `next` on, oldest first. */
  *from(next: number): Generator<HistoryEntry> {
    const entries = this.entries;
    for (let i = this.indexOf(next); i < entries.length; i++) yield entries[i];
  }

  /** Tells a page to clear what it has: the kept history follows. */
  resetFrame(): string {
    return `event: reset\ndata: ${JSON.stringify({ dropped: this.dropped })}\n\n`;
  }

  /** Index of the first entry whose id is >= `id` (ids ascend). */
  private indexOf(id: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private add(kind: Kind, data: unknown, keyFrame: boolean): void {
    const id = this.nextId++;
    const frame = `id: ${id}\nevent: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
    this.entries.push({ id, kind, frame, keyFrame });
    this.bytes += frame.length;
    if (this.bytes > this.budget) this.compact();
  }

  private compact(): void {
    const byKind: Record<Kind, number[]> = { snapshot: [], event: [], output: [], profile: [] };
    for (const [i, e] of this.entries.entries()) byKind[e.kind].push(i);
    const sizes = (kind: Kind) => byKind[kind].map((i) => this.entries[i].frame.length);
    const keep = new Uint8Array(this.entries.length);
    let kept = 0;
    const keepFrom = (kind: Kind, first: number) => {
      for (const i of byKind[kind].slice(first)) {
        keep[i] = 1;
        kept += this.entries[i].frame.length;
      }
    };
    keepFrom('profile', 0);
    keepFrom('output', newestWithin(sizes('output'), this.budget * OUTPUT_SHARE));
    keepFrom('event', newestWithin(sizes('event'), this.budget * EVENT_SHARE));
    const snapshots = byKind.snapshot;
    keepFrom(
      'snapshot',
      firstSnapshotKept(sizes('snapshot'), (k) => this.entries[snapshots[k]].keyFrame, kept, this.budget),
    );
    const before = this.entries.length;
    this.entries = this.entries.filter((_, i) => keep[i] === 1);
    this.bytes = this.entries.reduce((n, e) => n + e.frame.length, 0);
    this.dropped += before - this.entries.length;
    this.generation++;
  }
}
