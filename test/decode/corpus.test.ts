/**
 * Every real capture of shared/corpus (and every damaged copy) decoded and compared with its
 * .truth.json on every figure the corpus README lists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapStats } from '../../src/analysis/map-stats.js';
import { decodeText } from '../../src/decode/index.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { CORPUS } from '../support/shared.js';

interface TruthArea {
  base: string;
  offset_width: number;
  blocks: number;
  char_counts: Record<string, number>;
  free_blocks: number;
  tail_blocks: number;
  head_blocks: number;
  marked_blocks: number;
  longest_free_run: number;
  allocations: number;
  alloc_1_block: number;
  alloc_2_block: number;
  max_alloc_blocks: number;
}

interface Truth {
  stack: { used: number; limit: number | null } | null;
  gc: { total: number | null; used: number | null; free: number | null; max_new_split: number | null } | null;
  blocks_line: {
    one_blocks: number;
    two_blocks: number;
    max_blk_sz: number;
    max_free_sz: number | null;
  } | null;
  has_dump: boolean;
  areas: TruthArea[];
  complete: boolean;
}

/** The truth's figures, recomputed from a decoded snapshot. */
function asTruth(s: HeapSnapshot): Truth {
  return {
    stack: s.stack,
    gc: s.gc && { total: s.gc.total, used: s.gc.used, free: s.gc.free, max_new_split: s.gc.maxNewSplit },
    blocks_line: s.blocks && {
      one_blocks: s.blocks.one,
      two_blocks: s.blocks.two,
      max_blk_sz: s.blocks.maxBlock,
      max_free_sz: s.blocks.maxFree,
    },
    has_dump: s.areas.length > 0,
    areas: s.areas.map((a) => {
      const m = mapStats(a.map);
      return {
        base: a.base,
        offset_width: a.offsetDigits ?? 0,
        blocks: m.blocks,
        char_counts: m.charCounts,
        free_blocks: m.freeBlocks,
        tail_blocks: m.tailBlocks,
        head_blocks: m.headBlocks,
        marked_blocks: m.markedBlocks,
        longest_free_run: m.longestFreeRun,
        allocations: m.allocations,
        alloc_1_block: m.alloc1,
        alloc_2_block: m.alloc2,
        max_alloc_blocks: m.maxAllocBlocks,
      };
    }),
    complete: s.complete,
  };
}

function pick(t: Truth): Truth {
  return {
    stack: t.stack,
    gc: t.gc,
    blocks_line: t.blocks_line,
    has_dump: t.has_dump,
    areas: t.areas.map((a) => ({
      base: a.base,
      offset_width: a.offset_width,
      blocks: a.blocks,
      char_counts: a.char_counts,
      free_blocks: a.free_blocks,
      tail_blocks: a.tail_blocks,
      head_blocks: a.head_blocks,
      marked_blocks: a.marked_blocks,
      longest_free_run: a.longest_free_run,
      allocations: a.allocations,
      alloc_1_block: a.alloc_1_block,
      alloc_2_block: a.alloc_2_block,
      max_alloc_blocks: a.max_alloc_blocks,
    })),
    complete: t.complete,
  };
}

for (const folder of ['microbit', 'wasm', 'adversarial', 'wild']) {
  describe(`corpus/${folder}`, () => {
    const logs = readdirSync(join(CORPUS, folder)).filter((f) => f.endsWith('.log'));
    it('has captures', () => expect(logs.length).toBeGreaterThan(0));
    for (const log of logs) {
      it(log, () => {
        const bytes = readFileSync(join(CORPUS, folder, log));
        const truth = JSON.parse(
          readFileSync(join(CORPUS, folder, log.replace(/\.log$/, '.truth.json')), 'utf8'),
        ) as Truth[];
        const { snapshots } = decodeText(new Uint8Array(bytes), `file:${log}`);
        expect(snapshots.map(asTruth)).toEqual(truth.map(pick));
        // Whatever the damage, every complete snapshot's header agrees with its map.
        for (const s of snapshots) {
          if (s.complete) expect(s.warnings.filter((w) => w.includes('in the header'))).toEqual([]);
        }
      });
    }
  });
}
