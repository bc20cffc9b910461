/**
 * `writeReport(snapshots, { events, output, title })`: the self-contained HTML report.
 * Snapshots are packed as key frames and patches (format.ts); the page (src/web/) draws them.
 */
import { writeFileSync } from 'node:fs';
import type { HeapProfile } from '../../snapshot/profile.js';
import { readHeapProfile } from '../../snapshot/profile-read.js';
import type { HeapSnapshot } from '../../snapshot/snapshot.js';
import {
  REPORT_FORMAT,
  REPORT_VERSION,
  type ReportData,
  type ReportEvent,
  SnapshotPacker,
} from './format.js';
import { buildPage } from './page.js';

/** A recording event (any extra fields) or one already in the page's form. */
export type EventLike = ReportEvent | ({ event: string; time?: number | null } & Record<string, unknown>);

export interface ReportOptions {
  title?: string;
  /** Recording events (memory_error, exception, gap, …). Extra fields are kept when known. */
  events?: readonly EventLike[];
  /** All program output, when the source kept it (each snapshot also has its outputBefore). */
  output?: string;
  /** ms since epoch; default now. */
  createdAt?: number;
  /** False when the heap could not grow although `max new split` is printed (run --fixed). */
  heapCanGrow?: boolean;
  /**
   * The run's heap profile. When not given, the last `profile` event among `events` (what
   * `mpheap run --profile` records) is taken, if it reads as one; null: none.
   */
  profile?: HeapProfile | null;
}

export function reportData(snapshots: readonly HeapSnapshot[], opts: ReportOptions = {}): ReportData {
  const packer = new SnapshotPacker();
  const profile = opts.profile !== undefined ? opts.profile : profileOfEvents(opts.events ?? []).profile;
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    title: opts.title ?? 'mpheap report',
    createdAt: opts.createdAt ?? Date.now(),
    live: false,
    snapshots: snapshots.map((s) => packer.pack(s)),
    events: (opts.events ?? []).filter((e) => e.event !== 'profile').map(toReportEvent),
    output: opts.output ?? '',
    ...(opts.heapCanGrow === false ? { heapCanGrow: false } : {}),
    ...(profile ? { profile } : {}),
  };
}

/**
 * The heap profile among a run's events (its `profile` event, the last if several), and why a
 * profile event could not be read, when one could not.
 */
export function profileOfEvents(events: readonly EventLike[]): {
  profile: HeapProfile | null;
  problem: string | null;
} {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as { event: string; profile?: unknown };
    if (e.event !== 'profile') continue;
    try {
      return { profile: readHeapProfile(e.profile), problem: null };
    } catch (err) {
      return { profile: null, problem: (err as Error).message };
    }
  }
  return { profile: null, problem: null };
}

/** A recording event as the page shows it (only plain fields are kept). */
export function toReportEvent(event: EventLike): ReportEvent {
  const e = event as { event: string } & Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  // `requested` is what mpheap run records; the others are accepted from hand-written events.
  const request = num(e.requested) ?? num(e.request) ?? num(e.bytes) ?? num(e.nbytes);
  const message = typeof e.message === 'string' ? e.message : typeof e.text === 'string' ? e.text : undefined;
  const out: ReportEvent = { time: num(e.time), event: String(e.event), seq: num(e.seq), message, request };
  if (e.event === 'collect') {
    const f = [num(e.afterSeq), num(e.usedBefore), num(e.usedAfter), num(e.largestFreeAfter)];
    if (f.every((v) => v !== null)) out.collect = f as [number, number, number, number];
  }
  return out;
}

/** The report page as one HTML string. */
export function writeReport(snapshots: readonly HeapSnapshot[], opts: ReportOptions = {}): string {
  return buildPage(reportData(snapshots, opts));
}

/** Writes the report page to a file; returns its size in bytes. */
export function writeReportFile(
  path: string,
  snapshots: readonly HeapSnapshot[],
  opts: ReportOptions = {},
): number {
  const html = writeReport(snapshots, opts);
  writeFileSync(path, html);
  return Buffer.byteLength(html);
}
