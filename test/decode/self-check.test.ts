/**
 * The decoder's self-check (header figures against the map) is computed while rows are placed
 * (heap/map-figures.ts). Whatever the input, it must say exactly what gcInfoOfMaps over the
 * finished maps says (fast-check): random maps in one area or several, rows sent again with
 * other blocks, rows lost, rows written in pieces, headers that disagree with the map, inputs
 * cut short, any chunking.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/decode/index.js';
import { type GcInfoFigures, gcInfoOfMaps } from '../../src/heap/block-map.js';
import {
  formatAllocTable,
  formatGcInfoLines,
  PROFILE_LEGACY,
  PROFILE_MODERN,
} from '../../src/heap/mem-info-format.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { randomMap } from './fixtures.js';

const MISMATCH = ' in the header but ';

/** What the check must say for this snapshot, from gcInfoOfMaps over its maps. */
function expectedMismatches(s: HeapSnapshot): string[] {
  if (!s.complete || !s.gc || !s.blocks || s.areas.length === 0) return [];
  const info = gcInfoOfMaps(
    s.areas.map((a) => a.map),
    s.blockSize,
  );
  const pairs: Array<[string, number | null, number]> = [
    ['GC total', s.gc.total, info.total],
    ['GC used', s.gc.used, info.used],
    ['GC free', s.gc.free, info.free],
    ['1-blocks', s.blocks.one, info.oneBlocks],
    ['2-blocks', s.blocks.two, info.twoBlocks],
    ['max blk sz', s.blocks.maxBlock, info.maxBlock],
    ['max free sz', s.blocks.maxFree, info.maxFree],
  ];
  return pairs
    .filter(([, printed, counted]) => printed !== null && printed !== counted)
    .map(([name, printed, counted]) => `${name} is ${printed} in the header but ${counted} in the map`);
}

type Edit =
  | { kind: 'none' }
  | { kind: 'resend'; row: number; seed: number }
  | { kind: 'lose'; row: number }
  | { kind: 'split'; row: number; at: number }
  | { kind: 'blocks'; row: number; at: number; char: string };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('resend' as const), row: fc.nat(), seed: fc.nat() }),
  fc.record({ kind: fc.constant('lose' as const), row: fc.nat() }),
  fc.record({ kind: fc.constant('split' as const), row: fc.nat(), at: fc.integer({ min: 1, max: 63 }) }),
  fc.record({
    kind: fc.constant('blocks' as const),
    row: fc.nat(),
    at: fc.nat(63),
    char: fc.constantFrom('.', '=', 'm', 'T', 'h'),
  }),
);

const ROW = /^([0-9a-f]{5}|[0-9a-f]{8}): (.*)$/;

/** One edit to the text's rows: what a damaged or re-sent capture can hold. */
function edited(text: string, edit: Edit, seed: number): string {
  if (edit.kind === 'none') return text;
  const lines = text.split('\n');
  const rows = lines.flatMap((l, i) => (ROW.test(l) ? [i] : []));
  if (rows.length === 0) return text;
  const at = rows[edit.row % rows.length];
  const m = ROW.exec(lines[at]) as RegExpExecArray;
  switch (edit.kind) {
    case 'resend': {
      // The same row again (later in the text), with other blocks.
      const other = randomMap(m[2].length, edit.seed ^ seed, 0.7);
      const again = `${m[1]}: ${String.fromCharCode(...other)}`;
      lines.splice(Math.min(lines.length - 1, at + 1 + (edit.seed % 3)), 0, again);
      break;
    }
    case 'lose':
      lines.splice(at, 1);
      break;
    case 'split':
      // A read boundary moved the rest of the row onto a line of its own.
      if (edit.at < m[2].length)
        lines.splice(at, 1, `${m[1]}: ${m[2].slice(0, edit.at)}`, m[2].slice(edit.at));
      break;
    case 'blocks': {
      const i = edit.at % Math.max(1, m[2].length);
      lines[at] = `${m[1]}: ${m[2].slice(0, i)}${edit.char}${m[2].slice(i + 1)}`;
      break;
    }
  }
  return lines.join('\n');
}

function decodeAll(text: string, cuts: number[]): HeapSnapshot[] {
  const snaps: HeapSnapshot[] = [];
  const d = createDecoder({ source: 'x', now: null, onSnapshot: (s) => snaps.push(s) });
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const to = Math.min(c, bytes.length);
    d.feed(bytes.subarray(at, Math.max(at, to)));
    at = Math.max(at, to);
  }
  d.feed(bytes.subarray(at));
  d.end();
  return snaps;
}

const FIELDS: Array<keyof GcInfoFigures> = ['used', 'free', 'oneBlocks', 'twoBlocks', 'maxBlock', 'maxFree'];

const caseArb = fc.record({
  areas: fc.array(
    fc.record({
      blocks: fc.integer({ min: 1, max: 700 }),
      seed: fc.nat(),
      fill: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  blockSize: fc.constantFrom(16, 32),
  legacy: fc.boolean(),
  newline: fc.constantFrom('\n', '\r\n'),
  wrongField: fc.option(fc.constantFrom(...FIELDS)),
  edits: fc.array(editArb, { maxLength: 3 }),
  cutAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
  cuts: fc.array(fc.nat(40000), { maxLength: 12 }),
  seed: fc.nat(),
});

describe('self-check', () => {
  it('says exactly what gcInfoOfMaps over the finished maps says, whatever the input', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        // Several areas print one header each (modern) or one for all (legacy, %05x).
        const maps = c.areas.map((a) => randomMap(a.blocks, a.seed, a.fill));
        const areas = maps.map((map, i) => ({ baseText: (0x20000000 + i * 0x100000).toString(16), map }));
        const profile = c.legacy ? PROFILE_LEGACY : PROFILE_MODERN;
        const info = gcInfoOfMaps(maps, c.blockSize);
        if (c.wrongField) info[c.wrongField] += 1;
        let text = `stack: 432 out of 32768\n${formatGcInfoLines(info, null)}${formatAllocTable(areas, c.blockSize, profile)}`;
        for (const e of c.edits) text = edited(text, e, c.seed);
        if (c.cutAt !== null) text = text.slice(0, Math.floor(c.cutAt * text.length));
        text = text.replace(/\n/g, c.newline);
        const snaps = decodeAll(text, c.cuts);
        for (const s of snaps) {
          const said = s.warnings.filter((w) => w.includes(MISMATCH));
          expect(said).toEqual(expectedMismatches(s));
        }
        // The whole input at once says the same (no result depends on the chunking).
        expect(decodeAll(text, []).map((s) => s.warnings)).toEqual(snaps.map((s) => s.warnings));
      }),
      { numRuns: 1500 },
    );
  });

  it('finds each header figure that disagrees with an untouched map', () => {
    const map = randomMap(640, 7, 0.6);
    const areas = [{ baseText: '20000000', map }];
    for (const field of FIELDS) {
      const info = gcInfoOfMaps([map], 16);
      info[field] += 1;
      const text = `stack: 432 out of 32768\n${formatGcInfoLines(info, null)}${formatAllocTable(areas, 16)}`;
      const [s] = decodeAll(text, []);
      expect(s.complete).toBe(true);
      const said = s.warnings.filter((w) => w.includes(MISMATCH));
      expect(said).toHaveLength(1);
      expect(said).toEqual(expectedMismatches(s));
    }
  });
});
