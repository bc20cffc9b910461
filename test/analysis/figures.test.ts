import { describe, expect, it } from 'vitest';
import { diff } from '../../src/analysis/diff.js';
import { heapFigures } from '../../src/analysis/figures.js';
import { timeline } from '../../src/analysis/timeline.js';
import { decodeText } from '../../src/decode/index.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { emptySnapshot } from '../../src/snapshot/snapshot.js';

function snap(...maps: string[]): HeapSnapshot {
  return {
    ...emptySnapshot(),
    areas: maps.map((m, i) => ({
      base: (0x1000 * (i + 1)).toString(16),
      offsetDigits: 8,
      map: new TextEncoder().encode(m),
    })),
  };
}

describe('heapFigures', () => {
  it('counts used, free, holes, largest free block and types', () => {
    const f = heapFigures(snap('L==..S.h===....', '..A'));
    expect(f).toMatchObject({
      blockSize: 16,
      totalBlocks: 18,
      usedBlocks: 9,
      freeBlocks: 9,
      freeBytes: 144,
      largestFreeBlocks: 4,
      largestFreeBytes: 64,
      largestFreeAt: { area: 0, block: 11 },
      holes: 4,
      objects: 4,
    });
    expect(f.fragmentation).toBeCloseTo(1 - 4 / 9);
    expect(f.types).toEqual({
      L: { count: 1, blocks: 3, bytes: 48, largestBlocks: 3 },
      S: { count: 1, blocks: 1, bytes: 16, largestBlocks: 1 },
      h: { count: 1, blocks: 4, bytes: 64, largestBlocks: 4 },
      A: { count: 1, blocks: 1, bytes: 16, largestBlocks: 1 },
    });
    // Holes of 2, 1, 4 and 2 blocks: buckets 1, 2-3, 4-7.
    expect(f.holeHistogram).toEqual([
      { minBlocks: 1, maxBlocks: 1, count: 1, blocks: 1 },
      { minBlocks: 2, maxBlocks: 3, count: 2, blocks: 4 },
      { minBlocks: 4, maxBlocks: 7, count: 1, blocks: 4 },
    ]);
    expect(f.objectHistogram.map((b) => b.count)).toEqual([2, 1, 1]);
  });

  it('says 0 fragmentation for a full heap and for one hole', () => {
    expect(heapFigures(snap('L=h=')).fragmentation).toBe(0);
    expect(heapFigures(snap('L=h=....')).fragmentation).toBe(0);
  });
});

describe('diff', () => {
  it('counts blocks allocated, freed and changed, and per-type growth', () => {
    const d = diff(snap('L==..S..'), snap('L==SSh=.'));
    expect(d).toMatchObject({ allocatedBlocks: 3, freedBlocks: 0, changedBlocks: 1, sameLayout: true });
    expect(d.usedBytesDelta).toBe(3 * 16);
    expect(d.types).toEqual({
      L: { count: 0, blocks: 0, bytes: 0 },
      S: { count: 1, blocks: 1, bytes: 16 },
      h: { count: 1, blocks: 2, bytes: 32 },
    });
    expect(diff(snap('L==.'), snap('....')).freedBlocks).toBe(3);
  });
});

describe('timeline', () => {
  it('follows a figure over snapshots, from the header when there is no map', () => {
    const r = decodeText(
      'stack: 500 out of 1800\nGC: total: 2048, used: 1024, free: 1024\n No. of 1-blocks: 1, 2-blocks: 0, max blk sz: 1, max free sz: 32\nok\n',
    );
    const s = [r.snapshots[0], { ...snap('L=..'), seq: 1, label: 'b' }];
    expect(timeline(s, 'freeBytes').map((p) => p.value)).toEqual([1024, 32]);
    // The header alone fits 16- and 32-byte blocks: max free sz has no byte size.
    expect(timeline(s, 'largestFreeBytes').map((p) => p.value)).toEqual([null, 32]);
    const told = decodeText(
      'stack: 500 out of 1800\nGC: total: 2048, used: 1024, free: 1024\n No. of 1-blocks: 1, 2-blocks: 0, max blk sz: 1, max free sz: 32\nok\n',
      'x',
      { blockSize: 16 },
    ).snapshots;
    expect(timeline(told, 'largestFreeBytes').map((p) => p.value)).toEqual([512]);
    expect(timeline(s, 'stackUsed').map((p) => [p.seq, p.label, p.value])).toEqual([
      [0, null, 500],
      [1, 'b', null],
    ]);
    expect(timeline(s, 'holes').map((p) => p.value)).toEqual([null, 1]);
  });
});
