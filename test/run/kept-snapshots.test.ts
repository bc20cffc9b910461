/**
 * A run keeps the first and last 500 snapshots and every one that explains an outcome; the
 * recording keeps them all. A script calling mem_info(1) in its main loop stays within bounds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import { parseRecording, RecordingWriter } from '../../src/recording/recording.js';
import { KEEP_FIRST, KEEP_LAST, KeptSnapshots } from '../../src/run/kept-snapshots.js';
import { runScript } from '../../src/run/session.js';
import { formatSummary, summaryJson } from '../../src/run/summary.js';
import { emptySnapshot, type HeapSnapshot, type SnapshotTrigger } from '../../src/snapshot/snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-kept-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snap(seq: number, trigger: SnapshotTrigger): HeapSnapshot {
  return emptySnapshot({ seq, trigger });
}

describe('KeptSnapshots', () => {
  it('keeps the first and last, and every start, end and failure between', () => {
    const kept = new KeptSnapshots();
    const n = 5000;
    for (let seq = 0; seq < n; seq++) {
      const trigger: SnapshotTrigger =
        seq === 0 ? 'start' : seq === n - 1 ? 'end' : seq % 700 === 0 ? 'alloc_failed' : 'mem_info';
      kept.add(snap(seq, trigger), seq % 100);
    }
    const seqs = kept.list().map((s) => s.seq);
    const failures = [700, 1400, 2100, 2800, 3500, 4200];
    const middle = failures.filter((s) => s >= KEEP_FIRST && s < n - KEEP_LAST);
    expect(seqs).toEqual([
      ...Array.from({ length: KEEP_FIRST }, (_, i) => i),
      ...middle,
      ...Array.from({ length: KEEP_LAST }, (_, i) => n - KEEP_LAST + i),
    ]);
    expect(kept.total).toBe(n);
    expect(kept.leftOut).toBe(n - seqs.length);
    expect(kept.bySeq(2100)?.trigger).toBe('alloc_failed');
    expect(kept.bySeq(2101)).toBeUndefined();
    expect(kept.latest()?.seq).toBe(n - 1);
    expect(kept.since(n - 3).map((s) => s.seq)).toEqual([n - 3, n - 2, n - 1]);
  });

  it('keeps the used-over-time series bounded, each point the highest it stands for', () => {
    const kept = new KeptSnapshots();
    const n = 100_000;
    for (let seq = 0; seq < n; seq++) kept.add(snap(seq, 'mem_info'), seq === 54_321 ? 1_000_000 : seq % 7);
    const series = kept.usedOverTime();
    expect(series.length).toBeLessThanOrEqual(4096);
    expect(series.length).toBeGreaterThan(2048);
    // The one peak survives every halving.
    expect(Math.max(...(series as number[]))).toBe(1_000_000);
    expect(series.filter((v) => v === 1_000_000)).toHaveLength(1);
  });
});

describe('a script that calls mem_info(1) in its loop', () => {
  it('keeps 1,000 snapshots and the start and end of 1,502, lists 20 in the summary, records all', async () => {
    const engine = new WasmEngine({ heapSize: 16 * 1024, fixed: true });
    await engine.load();
    const path = join(dir, 'loop.heap.ndjson');
    const recording = new RecordingWriter(path, { startedAt: Date.now() });
    try {
      const script =
        'import micropython\nfor n in range(1500):\n    s = str(n) * 3\n    micropython.mem_info(1)\n';
      const r = await runScript(engine, script, { scriptName: 'loop.py', recording });
      recording.close();
      expect(r.exit).toBe('ok');
      expect(r.snapshotsTaken).toBe(1502);
      expect(r.snapshots.map((s) => s.seq)).toEqual([
        ...Array.from({ length: KEEP_FIRST }, (_, i) => i),
        ...Array.from({ length: KEEP_LAST }, (_, i) => 1002 + i),
      ]);
      expect(r.snapshots.at(-1)?.trigger).toBe('end');
      expect(r.snapshotsLeftOut).toBe(502);
      const ctx = { engine: engine.info, recording: path };
      const json = summaryJson(r, ctx);
      expect(json.snapshotsTaken).toBe(1502);
      expect(json.snapshotsLeftOut).toBe(502);
      expect(json.snapshots).toHaveLength(1000);
      const text = formatSummary(r, ctx);
      expect(text).toContain('1,502 snapshots in ');
      expect(text).toMatch(/\n\s+⋮ {2}1,482 more\n/);
      expect(text).toContain(
        '(1,482 snapshots not listed: --json has the first and last 500, the recording every one)',
      );
      const sparkline = /used over time {2}(\S+)/.exec(text)?.[1] ?? '';
      expect([...sparkline]).toHaveLength(64);
      const all = parseRecording(readFileSync(path, 'utf8'));
      expect(all.snapshots.map((s) => s.seq)).toEqual(Array.from({ length: 1502 }, (_, i) => i));
    } finally {
      await engine.close();
    }
  });
});
