/**
 * A live page runs as long as the session it follows: it holds what the dashboard's history
 * holds (`keepChars`) and drops its oldest the same way, back to a key frame, so every snapshot
 * it keeps still decodes exactly. A report keeps everything it was given.
 */
import { describe, expect, it } from 'vitest';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import {
  REPORT_FORMAT,
  REPORT_VERSION,
  type ReportData,
  SnapshotPacker,
} from '../../src/views/report/format.js';
import { Session } from '../../src/web/session.js';
import { traceSnapshots } from './support.js';

const { snapshots } = traceSnapshots('fragmentation.trace');

function liveData(keepChars?: number): ReportData {
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    title: 't',
    createdAt: 0,
    live: true,
    ...(keepChars === undefined ? {} : { keepChars }),
    snapshots: [],
    events: [],
    output: '',
  };
}

/** Feeds the page as /events does: each message as the JSON text it arrives as. */
function feed(session: Session, snaps: HeapSnapshot[], outputPerSnapshot = 0): void {
  const packer = new SnapshotPacker();
  for (const s of snaps) {
    const text = JSON.stringify(packer.pack(s));
    session.addPacked(JSON.parse(text), text.length);
    const e = JSON.stringify({ time: null, event: 'collect', seq: s.seq, collect: [s.seq, 1, 1, 1] });
    session.addEvent(JSON.parse(e), e.length);
    if (outputPerSnapshot) session.addOutput(`${'y'.repeat(outputPerSnapshot - 1)}\n`);
  }
}

describe('a live page bounds what it holds', () => {
  it('keeps the newest snapshots within the budget, each decoded exactly', () => {
    const budget = 64 * 1024;
    const session = new Session(liveData(budget));
    session.setStatus('live: connected');
    let most = 0;
    let compactions = 0;
    const packer = new SnapshotPacker();
    for (const s of snapshots) {
      const text = JSON.stringify(packer.pack(s));
      session.addPacked(JSON.parse(text), text.length);
      const dropped = session.droppedSnapshots;
      session.addOutput(`${'y'.repeat(999)}\n`);
      most = Math.max(most, session.heldChars);
      // Right after a compaction, output is cut to an eighth of the budget; it grows again after.
      if (session.droppedSnapshots !== dropped) {
        compactions++;
        expect(session.data.output.length).toBeLessThanOrEqual(budget / 8);
      }
    }
    expect(compactions).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(budget);
    expect(session.droppedSnapshots).toBeGreaterThan(0);
    expect(session.snapshots.length + session.droppedSnapshots).toBe(snapshots.length);
    // The oldest kept is a key frame: the page can start there.
    expect(session.snapshots[0].maps).toBeDefined();
    for (let i = 0; i < session.snapshots.length; i++) {
      const want = snapshots[session.droppedSnapshots + i];
      expect(session.snapshots[i].seq).toBe(want.seq);
      expect(Array.from(session.store.joined(i))).toEqual(Array.from(want.areas[0].map));
    }
    expect(session.data.output.endsWith('y\n')).toBe(true);
    expect(session.status).toMatch(/^live: connected \([\d,]+ older snapshots dropped to bound memory\)$/);
  });

  it('keeps events within a sixteenth of the budget, the newest', () => {
    const budget = 64 * 1024;
    const session = new Session(liveData(budget));
    const packer = new SnapshotPacker();
    let compactions = 0;
    for (const s of snapshots) {
      const e = JSON.stringify({ time: null, event: 'collect', seq: s.seq, collect: [s.seq, 1, 1, 1] });
      session.addEvent(JSON.parse(e), e.length);
      const dropped = session.droppedSnapshots;
      session.addPacked(packer.pack(s));
      if (session.droppedSnapshots !== dropped) {
        compactions++;
        const eventChars = session.data.events.reduce((n, x) => n + JSON.stringify(x).length, 0);
        expect(eventChars).toBeLessThanOrEqual(budget / 16);
        // The newest are the ones kept.
        expect(session.data.events.at(-1)?.seq).toBe(s.seq);
      }
    }
    expect(compactions).toBeGreaterThan(0);
  });

  it('drops the unpacked maps it cached by index when indexes move', () => {
    const session = new Session(liveData(48 * 1024));
    const packer = new SnapshotPacker();
    let checked = 0;
    for (const s of snapshots) {
      const before = session.droppedSnapshots;
      // A page parked on the oldest snapshot has it unpacked already.
      if (session.snapshots.length > 0) session.store.joined(0);
      session.addPacked(packer.pack(s));
      // Asked for after every message, as a page following the newest does.
      const last = session.snapshots.length - 1;
      expect(Array.from(session.store.joined(last))).toEqual(Array.from(s.areas[0].map));
      if (session.droppedSnapshots !== before) {
        expect(Array.from(session.store.joined(0))).toEqual(
          Array.from(snapshots[session.droppedSnapshots].areas[0].map),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('bounds a report page once a board feeds it (WebSerial)', () => {
    const packer = new SnapshotPacker();
    const given = snapshots.slice(0, 10).map((s) => packer.pack(s));
    const report = new Session({ ...liveData(), live: false, snapshots: given });
    report.keepAtMost(32 * 1024);
    for (let k = 0; k < 3; k++) for (const s of snapshots) report.addSnapshot(s);
    expect(report.heldChars).toBeLessThanOrEqual(32 * 1024);
    expect(report.droppedSnapshots).toBeGreaterThan(10);
    // Numbered on from what the page held, dropped ones included.
    expect(report.snapshots.at(-1)?.seq).toBe(10 + 3 * snapshots.length - 1);
    expect(Array.from(report.store.joined(report.snapshots.length - 1))).toEqual(
      Array.from(snapshots.at(-1)!.areas[0].map),
    );
    expect(report.status).toMatch(/^[\d,]+ older snapshots dropped to bound memory$/);
  });

  it('keeps everything in a report, and in a live page with room', () => {
    const report = new Session({ ...liveData(), live: false });
    feed(report, snapshots, 1000);
    expect(report.snapshots.length).toBe(snapshots.length);
    expect(report.droppedSnapshots).toBe(0);
    const roomy = new Session(liveData(1 << 30));
    feed(roomy, snapshots, 1000);
    expect(roomy.snapshots.length).toBe(snapshots.length);
    expect(roomy.data.output.length).toBe(snapshots.length * 1000);
  });
});

describe('the timeline of a page that dropped its oldest', () => {
  it('draws each collection after the snapshot before it, by index, not by seq', async () => {
    const { timelineSeries } = await import('../../src/web/timeline.js');
    const packer = new SnapshotPacker();
    const kept = snapshots.slice(100, 103).map((s) => packer.pack(s));
    // Two collections after the second kept snapshot (seq 101): drawn between index 1 and 2.
    const [xs, used] = timelineSeries(kept, [
      [kept[1].seq, 900, 500, 4000],
      [kept[1].seq, 700, 400, 4100],
    ]);
    const x = Array.from(xs as ArrayLike<number>);
    expect(kept[1].seq).toBe(101);
    expect(x.filter((v) => v > 1 && v < 2).length).toBe(4);
    expect(Array.from(used as ArrayLike<number | null>).filter((_, k) => x[k] > 1 && x[k] < 2)).toEqual([
      900, 500, 700, 400,
    ]);
    expect(x.filter(Number.isInteger)).toEqual([0, 1, 2]);
  });

  it('counts the collections it draws in its hint, one or many', async () => {
    const { collectionsHint } = await import('../../src/web/timeline.js');
    expect(collectionsHint(0)).toBe('');
    expect(collectionsHint(1)).toBe('; 1 collection drawn between snapshots');
    expect(collectionsHint(1200)).toBe('; 1,200 collections drawn between snapshots');
  });
});
