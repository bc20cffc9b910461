/**
 * Real captures of formats ../shared does not hold (test/decode/captures/README.md says where
 * each is from), the formats of older releases written from maps, and what each view may claim
 * from them. The figures MicroPython printed are the truth: a whole map must give exactly its
 * header's total, used, free, 1-/2-block counts, max blk sz and max free sz.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapStats } from '../../src/analysis/map-stats.js';
import { heapVerdict, snapshotFigures } from '../../src/analysis/verdict.js';
import { decodeText } from '../../src/decode/index.js';
import { gcInfoOfMaps } from '../../src/heap/block-map.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { renderSnapshot } from '../../src/views/terminal/index.js';
import { CORPUS, REPO_ROOT } from '../support/shared.js';
import { blockNumberText, headsAsH, preV181Text, randomMap } from './fixtures.js';

const capture = (name: string) => readFileSync(join(REPO_ROOT, 'test', 'decode', 'captures', name), 'latin1');
const ascii = (m: Uint8Array) => Buffer.from(m).toString('latin1');

/** The header MicroPython printed, recomputed from the decoded map: they must agree. */
function expectHeaderMatchesMap(s: HeapSnapshot): void {
  const info = gcInfoOfMaps(
    s.areas.map((a) => a.map),
    s.blockSize,
  );
  expect({ ...s.gc, maxNewSplit: null }).toEqual({
    total: info.total,
    used: info.used,
    free: info.free,
    maxNewSplit: null,
  });
  expect(s.blocks).toEqual({
    one: info.oneBlocks,
    two: info.twoBlocks,
    maxBlock: info.maxBlock,
    maxFree: s.blocks?.maxFree === null ? null : info.maxFree,
  });
}

describe('real captures', () => {
  it('esp8266 v1.12: 5-digit offsets, a last row after (25 lines all free)', () => {
    const { snapshots, output } = decodeText(capture('esp8266-v1.12.log'), 'x');
    expect(snapshots).toHaveLength(1);
    const [s] = snapshots;
    expect(s.complete).toBe(true);
    expect(s.warnings).toEqual([]);
    expect(s.areas.map((a) => [a.base, a.offsetDigits, a.map.length])).toEqual([['3ffeedc0', 5, 2372]]);
    expectHeaderMatchesMap(s);
    expect(output).toBe('>>> micropython.mem_info(1)\n\n>>> \n');
  });

  it('pyboard v1.18 through pyboard.py: whole, its header and map agree', () => {
    const [s] = decodeText(capture('pyboard-v1.18.log'), 'x').snapshots;
    expect(s.complete).toBe(true);
    expect(s.areas[0].map.length).toBe(6448);
    expectHeaderMatchesMap(s);
    expect(heapVerdict(s).text).toBe(
      'Healthy: 1,488 bytes of 103,168 bytes used (1.4%); the largest free block is 101,488 bytes.',
    );
  });

  it('pyboard v1.6: no max free sz is unknown, not 0, and no verdict rests on it', () => {
    const { snapshots } = decodeText(capture('pyboard-v1.6.log'), 'x');
    expect(snapshots).toHaveLength(5);
    for (const s of snapshots) {
      expect(s.complete).toBe(true);
      expect(s.blocks?.maxFree).toBeNull();
      // 168 + 2×70 + 35 used blocks of 32 bytes would be more than the 8,768 bytes used.
      expect([s.blockSize, s.blockSizeKnown]).toEqual([16, true]);
    }
    const v = heapVerdict(snapshots[0]);
    expect(v.figures.largestFreeBytes).toBeNull();
    expect(v.state).toBe('not_full');
    expect(v.text).toBe(
      'Not full: 8,768 bytes of 102,400 bytes used (8.6%); the largest free block is not known.',
    );
    expect(v.notes.join()).toContain('does not print max free sz');
    const out = renderSnapshot(snapshots[0], { color: false });
    expect(out).not.toMatch(/\b0 bytes|fragmented/);
  });

  it('esp32, gc_dump_alloc_table() alone: whole, not cut short', () => {
    const [s] = decodeText(capture('esp32-dump-alloc-table.log'), 'x').snapshots;
    expect(s.gc).toBeNull();
    expect(s.complete).toBe(true);
    expect(s.warnings).toEqual([]);
    expect(s.areas[0].map.length).toBe(4000);
    const f = snapshotFigures(s);
    expect([f.from, f.totalBytes, f.mapCut]).toEqual(['map', 64000, false]);
    expect(renderSnapshot(s, { color: false })).not.toContain('cut short');
  });

  it('a port with MICROPY_MEM_STATS: the mem: line, no map', () => {
    const [s] = decodeText(capture('custom-port-mem-stats.log'), 'x').snapshots;
    expect(s.mem).toEqual({ total: 43806, current: 33642, peak: 34475 });
    expect(s.complete).toBe(true);
  });

  it('rp2 W5500 v1.20: the GC line that lost its prefix keeps one snapshot, its figures null', () => {
    const { snapshots } = decodeText(
      readFileSync(join(CORPUS, 'wild', '09_rp2-w5500_v1.20.0-stubber.log')),
      'x',
    );
    expect(snapshots).toHaveLength(289);
    const s = snapshots[287];
    expect(s.gc).toEqual({ total: null, used: null, free: null, maxNewSplit: null });
    expect(s.complete).toBe(false);
    expect(s.areas[0].map.length).toBe(12104);
    const v = heapVerdict(s);
    // The map is counted where the GC line cannot be read, and it says so.
    expect(v.figures.from).toBe('map');
    expect(v.notes.join('\n')).toContain('the GC: line was damaged');
    expect(renderSnapshot(s, { color: false })).toContain('(incomplete: header lines missing or damaged)');
  });
});

describe('formats of older releases', () => {
  it('before v1.8.1: offsets are addresses masked to 20 bits, tails t, no max free sz', () => {
    for (const [base, seed] of [
      ['20001a40', 1],
      ['3fff7ff0', 2], // the masked address wraps at 0x100000 inside the heap
    ] as const) {
      const map = randomMap(6000, seed);
      const [s] = decodeText(preV181Text(base, map), 'x').snapshots;
      expect(s.warnings).toEqual([]);
      expect(s.complete).toBe(true);
      expect(ascii(s.areas[0].map)).toBe(ascii(map));
      expect(s.blocks?.maxFree).toBeNull();
    }
  });

  it('2014 builds: rows numbered by block (%04x)', () => {
    const map = headsAsH(randomMap(1000, 5));
    const [s] = decodeText(blockNumberText('20000b10', map), 'x').snapshots;
    expect(s.complete).toBe(true);
    expect(s.warnings).toEqual([]);
    expect(s.areas[0].offsetDigits).toBe(4);
    expect([s.blockSize, s.blockSizeKnown]).toEqual([16, true]);
    expect(ascii(s.areas[0].map)).toBe(ascii(map));
  });

  it('rows under a section header mpheap does not know are a warning and make it incomplete', () => {
    // A 2016 STM32 prototype of split heaps printed its areas under `GC area #N (size S), from X:`.
    const text =
      'stack: 428 out of 15360\nGC: total: 2048, used: 64, free: 1984\n No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 4\n' +
      'GC area #0 (size 2048), from 20001000:\n00000: L===............................................................\n' +
      `00400: ${'.'.repeat(64)}\n>>> `;
    const { snapshots } = decodeText(text, 'x');
    expect(snapshots).toHaveLength(1);
    const [s] = snapshots;
    expect(s.complete).toBe(false);
    expect(s.warnings).toContain(
      "2 map rows under the section header 'GC area #0 (size 2048), from 20001000:', which mpheap does not know, could not be placed",
    );
  });

  it('a board reset mid-dump: the row ends at the NUL, the banner is output', () => {
    const text =
      'stack: 512 out of 1800\r\nGC: total: 10048, used: 1296, free: 8752\r\n No. of 1-blocks: 8, 2-blocks: 3, max blk sz: 24, max free sz: 511\r\n' +
      'GC memory layout; from 200004a0:\r\n00000: h=Bh====....\x00MicroPython v1.9.2-34-gd64154c73 on 2017-09-01; micro:bit v1.0.1 with nRF51822\r\n>>> ';
    const { snapshots, output } = decodeText(text, 'x');
    expect(snapshots).toHaveLength(1);
    expect(ascii(snapshots[0].areas[0].map)).toBe('h=Bh====....');
    expect(snapshots[0].complete).toBe(false);
    expect(output).toContain('MicroPython v1.9.2');
  });
});

describe('verdicts that the capture supports', () => {
  const esp32s3 = decodeText(
    readFileSync(join(CORPUS, 'wild', '10_esp32s3_v1.20.0-headers.log')),
    'x',
  ).snapshots;

  it('a 97 %-full heap is full, not fragmented', () => {
    const s = esp32s3[6];
    expect(s.gc?.used).toBe(161184);
    const v = heapVerdict(s);
    expect(v.state).toBe('full');
    expect(v.text).toBe(
      'Full: 161,184 bytes of 165,504 bytes used (97.4%); the largest free block is 2,992 bytes.',
    );
    // The rp2 capture with its map: 98.3 % used.
    const [rp2] = decodeText(readFileSync(join(CORPUS, 'wild', '07_rp2_v1.2x-full.log')), 'x').snapshots;
    expect(heapVerdict(rp2).state).toBe('full');
  });

  it('header only from a 64-bit port: the block size is unknown unless told (--word 8)', () => {
    // Every figure a multiple of 32: 16- and 32-byte blocks fit alike.
    const text =
      'stack: 1232\nGC: total: 2072832, used: 9504, free: 2063328\n No. of 1-blocks: 41, 2-blocks: 17, max blk sz: 40, max free sz: 64479\n';
    const [s] = decodeText(text, 'x').snapshots;
    expect(s.blockSizeKnown).toBe(false);
    const v = heapVerdict(s);
    expect(v.figures.largestFreeBytes).toBeNull();
    expect(v.text).toContain('the largest free block is 64,479 blocks (block size unknown)');
    expect(v.notes.join()).toContain('--word 8');
    const [told] = decodeText(text, 'x', { blockSize: 32 }).snapshots;
    expect(heapVerdict(told).figures.largestFreeBytes).toBe(64479 * 32);
    expect(heapVerdict(told).state).toBe('healthy');
  });

  it('a dump cut mid-way: the header says how big the heap is and how much is free', () => {
    const { snapshots } = decodeText(readFileSync(join(CORPUS, 'adversarial', 'mb_trunc_mid_row.log')), 'x');
    const s = snapshots.at(-1) as HeapSnapshot;
    expect(s.complete).toBe(false);
    const v = heapVerdict(s);
    expect(v.figures.totalBytes).toBe(s.gc?.total);
    expect(v.figures.usedBytes).toBe(s.gc?.used);
    expect(v.figures.mapCut).toBe(true);
    expect(v.text).not.toMatch(/^Full/);
    expect(v.notes.join()).toContain('the map is cut short');
    expect(renderSnapshot(s, { color: false })).toContain('(incomplete: map cut short)');
  });

  it('esp32 with max new split: the heap can still grow, and the verdict says so', () => {
    const [s] = decodeText(readFileSync(join(CORPUS, 'wild', '04_esp32_v1.2x-split2.log')), 'x').snapshots;
    expect(s.gc?.maxNewSplit).toBeGreaterThan(0);
    const v = heapVerdict(s);
    expect(v.figures.canGrowBytes).toBe(s.gc?.maxNewSplit);
    expect(v.text).toContain('the heap can still grow by up to');
    // Unless the caller knows it cannot (run --fixed).
    expect(heapVerdict(s, { heapCanGrow: false }).text).not.toContain('grow');
  });

  it('the terminal draws 8-digit offsets with 8 digits', () => {
    const [s] = decodeText(readFileSync(join(CORPUS, 'wild', '02_esp32_v1.2x.log')), 'x').snapshots;
    const out = renderSnapshot(s, { color: false, legend: false });
    expect(out).toMatch(/^00000400: /m);
    expect(out).toMatch(/^snapshot #0 from x$/m);
  });
});

it('every capture here keeps its counts whatever it is cut into (a map character is one block)', () => {
  for (const name of ['esp8266-v1.12.log', 'pyboard-v1.18.log', 'esp32-dump-alloc-table.log']) {
    const [s] = decodeText(capture(name), 'x').snapshots;
    const total = mapStats(s.areas[0].map);
    expect(total.blocks * s.blockSize).toBe(s.gc?.total ?? 64000);
  }
});
