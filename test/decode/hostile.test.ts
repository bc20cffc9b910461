/**
 * Hostile and damaged input (the robustness issue): sizes the input states are bounded by its
 * header, long lines cost linear time and bounded memory, and the same bytes give the same
 * snapshots however they are chunked. Each case failed on the decoder before these fixes:
 * a crash that lost every good snapshot, minutes and gigabytes, or a split snapshot.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapStats } from '../../src/analysis/map-stats.js';
import { createDecoder, decodeText } from '../../src/decode/index.js';
import { storeSnapshot } from '../../src/snapshot/serialize.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { runCli } from '../support/cli.js';
import { CORPUS } from '../support/shared.js';

/** A real capture: six mem_info(1) dumps from the emulated micro:bit (10,048-byte heap). */
const DICT_GROW = readFileSync(join(CORPUS, 'microbit', '04_dict_grow.log'), 'latin1');

function key(s: HeapSnapshot): string {
  return JSON.stringify(storeSnapshot({ ...s, time: null }));
}

function decodeInChunks(text: string, size: number): HeapSnapshot[] {
  const out: HeapSnapshot[] = [];
  const d = createDecoder({ source: 'x', now: null, onSnapshot: (s) => out.push(s) });
  const bytes = Buffer.from(text, 'latin1');
  for (let i = 0; i < bytes.length; i += size) d.feed(bytes.subarray(i, i + size));
  d.end();
  return out;
}

/** The nth occurrence of `find` replaced. */
function replaceNth(text: string, find: string, by: string, n: number): string {
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(find, at + 1);
  if (at < 0) throw new Error(`no occurrence ${n} of ${find}`);
  return text.slice(0, at) + by + text.slice(at + find.length);
}

describe('sizes the input states', () => {
  const good = decodeText(DICT_GROW, 'x').snapshots;

  it('(4294967295 lines all free) is damage: a warning, that snapshot incomplete, every other one kept', () => {
    expect(good).toHaveLength(6);
    const text = replaceNth(DICT_GROW, '(6 lines all free)', '(4294967295 lines all free)', 2);
    const { snapshots, warnings } = decodeText(text, 'x');
    expect(snapshots).toHaveLength(6);
    expect(snapshots.map(key).filter((_, i) => i !== 2)).toEqual(good.map(key).filter((_, i) => i !== 2));
    const hit = snapshots[2];
    expect(hit.complete).toBe(false);
    // Bounded by GC total: 10,048 bytes of 16-byte blocks.
    expect(hit.areas[0].map.length).toBe(628);
    expect(warnings.map((w) => w.message)).toContain(
      "(4294967295 lines all free) runs past the heap's end (GC total 10048 bytes); counted 6",
    );
  });

  it('(10000000 lines all free) with no header is bounded by the stated cap, not allocated', () => {
    const text = 'GC memory layout; from 20000000:\n00000: h=..\n       (10000000 lines all free)\n';
    const { snapshots } = decodeText(text, 'x');
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0].complete).toBe(false);
    expect(snapshots[0].areas[0].map.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(snapshots[0].warnings.join('\n')).toContain('lines all free) runs past the 4194304 blocks');
  });

  it('a row at offset fffffc00 is dropped: twenty such dumps decode at once and hold no more than their heaps', () => {
    const esp32 = readFileSync(join(CORPUS, 'wild', '02_esp32_v1.2x.log'), 'latin1');
    const text = esp32.replace(/^00000400: /m, 'fffffc00: ').repeat(20);
    const { snapshots } = decodeText(text, 'x');
    expect(snapshots).toHaveLength(20);
    for (const s of snapshots) {
      expect(s.areas.reduce((n, a) => n + a.map.length, 0) * 16).toBe(s.gc?.total);
      expect(s.complete).toBe(false);
      expect(s.warnings.join('\n')).toContain("map row fffffc00 lies past the heap's end");
    }
  });

  it('one flipped digit in a real row offset: the heap stays the size its header says, incomplete', () => {
    // 8-digit offsets: a v1.20 esp32-S3 capture of 298 dumps; one offset's leading 0 became e.
    const wild = readFileSync(join(CORPUS, 'wild', '08_esp32s3_v1.20.0-stubber.log'), 'latin1');
    const text = wild.replace(/^00000800: /m, 'e0000800: ');
    const before = decodeText(wild, 'x').snapshots;
    const after = decodeText(text, 'x').snapshots;
    expect(after).toHaveLength(before.length);
    const hit = after[0];
    expect(hit.complete).toBe(false);
    const blocks = hit.areas.reduce((n, a) => n + a.map.length, 0);
    expect(blocks * hit.blockSize).toBe(hit.gc?.total);
    expect(hit.warnings.join('\n')).toContain("map row e0000800 lies past the heap's end");
    // Every other snapshot is exactly as before.
    expect(after.slice(1).map(key)).toEqual(before.slice(1).map(key));
  });
});

describe('long lines', () => {
  it('1 MB without a newline, fed 64 bytes at a time, passes through as output as it arrives', () => {
    let output = 0;
    let snaps = 0;
    const d = createDecoder({
      source: 'x',
      onSnapshot: () => snaps++,
      onOutput: (t) => {
        output += t.length;
      },
    });
    const chunk = new TextEncoder().encode('abcdefgh'.repeat(8));
    for (let i = 0; i < (1 << 20) / 64; i++) d.feed(chunk);
    // Held back: at most the long-line threshold plus the tail still read as a line.
    expect(output).toBeGreaterThan((1 << 20) - 66 * 1024);
    d.feed(`\n${DICT_GROW}`);
    d.end();
    expect(output).toBeGreaterThan(1 << 20);
    expect(snaps).toBe(6);
  }, 20_000);

  it('a mem_info glued to the end of a long line is still read, whatever the chunking', () => {
    const glued = `${'x'.repeat(70_000)}${DICT_GROW.slice(DICT_GROW.indexOf('stack:'))}`;
    const whole = decodeText(glued, 'x');
    expect(whole.snapshots).toHaveLength(6);
    for (const size of [1, 7, 64, 4096, 100_000]) {
      expect(decodeInChunks(glued, size).map(key)).toEqual(whole.snapshots.map(key));
    }
  });
});

describe('chunking', () => {
  it('a repeated " No. of 1-blocks:" line is dropped in any chunks, not a second snapshot', () => {
    const text = DICT_GROW.replace(/( No\. of 1-blocks:[^\n]*\n)/, '$1$1');
    const whole = decodeText(text, 'x').snapshots;
    expect(whole).toHaveLength(6);
    for (const size of [1, 7, 64]) expect(decodeInChunks(text, size).map(key)).toEqual(whole.map(key));
  });

  it('a snapshot without a map ends at a prompt in any chunks', () => {
    const text =
      'stack: 512 out of 1800\r\nGC: total: 10048, used: 1296, free: 8752\r\n No. of 1-blocks: 8, 2-blocks: 3, max blk sz: 24, max free sz: 511\r\n>>> GC memory layout; from 200004a0:\r\n00000: h=..\r\n';
    const whole = decodeText(text, 'x').snapshots;
    // The prompt ends the header-only snapshot; the layout after it starts a map of its own.
    expect(whole.map((s) => s.areas.length)).toEqual([0, 1]);
    for (const size of [1, 3, 7]) expect(decodeInChunks(text, size).map(key)).toEqual(whole.map(key));
  });

  it('counts per area survive any chunking of a dump with escape sequences split in half', () => {
    const text = DICT_GROW.replace(/\r\n00400: /g, '\r\n\x1b[1;32m00400: \x1b[0m');
    const whole = decodeText(text, 'x').snapshots;
    expect(whole.map((s) => mapStats(s.areas[0].map).blocks)).toEqual([628, 628, 628, 628, 628, 628]);
    for (const size of [1, 2, 5]) expect(decodeInChunks(text, size).map(key)).toEqual(whole.map(key));
  });
});

describe('the commands on a damaged size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpheap-hostile-'));
  const file = join(dir, 'damaged.log');
  writeFileSync(
    file,
    replaceNth(DICT_GROW, '(6 lines all free)', '(4294967295 lines all free)', 2),
    'latin1',
  );

  it('decode shows every snapshot, the damaged one incomplete (exit 0)', async () => {
    const r = await runCli('decode', file, '--all', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { snapshots: { complete: boolean }[] };
    expect(j.snapshots.map((s) => s.complete)).toEqual([true, true, false, true, true, true]);
  });

  it('report writes a page of every snapshot (exit 0, no stack trace)', async () => {
    const r = await runCli('report', file, '-o', join(dir, 'r.html'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ snapshots: 6 });
    expect(r.stderr).toBe('');
  });
});

describe('damaged sizes, at random (property)', () => {
  const logs = ['microbit/04_dict_grow.log', 'wild/02_esp32_v1.2x.log', 'wild/04_esp32_v1.2x-split2.log'].map(
    (f) => readFileSync(join(CORPUS, f), 'latin1'),
  );
  it('never throws, keeps the number of snapshots, and no map outgrows its GC total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: logs.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.oneof(
          fc.constant(0xffffffff),
          fc.integer({ min: 0, max: 2 ** 53 - 1 }),
          fc.integer({ min: 0, max: 99999 }),
        ),
        fc.boolean(),
        (which, where, size, inOffset) => {
          const text = logs[which];
          const before = decodeText(text, 'x').snapshots;
          // Replace one number a dump states: a row offset, or a (N lines all free) count.
          const re = inOffset ? /^[0-9a-f]{5,8}(?=: )/gm : /(?<=\()\d+(?= lines all free\))/g;
          const spots = [...text.matchAll(re)];
          if (spots.length === 0) return;
          const m = spots[Math.floor(where * spots.length) % spots.length];
          // An offset is printed with at most 8 hex digits (%08x of a 32-bit number).
          const printed = inOffset ? (size % 2 ** 32).toString(16).padStart(m[0].length, '0') : String(size);
          const damaged = text.slice(0, m.index) + printed + text.slice((m.index ?? 0) + m[0].length);
          const after = decodeText(damaged, 'x').snapshots;
          expect(after).toHaveLength(before.length);
          for (const s of after) {
            const blocks = s.areas.reduce((n, a) => n + a.map.length, 0);
            if (s.gc?.total) expect(blocks * s.blockSize).toBeLessThanOrEqual(s.gc.total);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
