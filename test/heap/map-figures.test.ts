/**
 * The figures the decoder builds row by row (map-figures.ts) against gcInfoOfMaps over the
 * finished maps (fast-check): any map, cut into runs anywhere (row boundaries or not, any byte
 * alignment in the source), with stretches never written, in one area or several.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcInfoOfMaps, isMapChar, MAP_CHARS } from '../../src/heap/block-map.js';
import {
  type GcInfoCounts,
  joinAreaFigures,
  MapFigures,
  PieceFigures,
  pieceFigures,
} from '../../src/heap/map-figures.js';

const CHARS = MAP_CHARS.map((c) => c.charCodeAt(0));
const FREE = 0x2e;
const TAIL = 0x3d;

/** Maps with long runs of TAILs and FREE blocks (the short paths) as well as mixed blocks. */
const mapArb = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...CHARS).map((c) => [c]) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(FREE, TAIL, 0x6d, 0x54), fc.integer({ min: 1, max: 140 }))
          .map(([c, n]) => Array(n).fill(c)),
      },
    ),
    { maxLength: 60 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

/** How a map is written: each piece is a run of `length` blocks, written or left FREE. */
const piecesArb = fc.array(
  fc.record({ length: fc.integer({ min: 0, max: 70 }), written: fc.boolean(), shift: fc.nat(7) }),
  { minLength: 1, maxLength: 40 },
);

/** The bytes as pieceFigures reads them, from a view that does not start its buffer. */
function view(bytes: Uint8Array): DataView {
  const buffer = new Uint8Array(bytes.length + 3);
  buffer.set(bytes, 3);
  return new DataView(buffer.buffer, 3, bytes.length);
}

/** gcInfoOfMaps over one map, in blocks. */
function counts(map: Uint8Array): GcInfoCounts {
  const g = gcInfoOfMaps([map], 1);
  return {
    blocks: g.total,
    used: g.used,
    free: g.free,
    oneBlocks: g.oneBlocks,
    twoBlocks: g.twoBlocks,
    maxBlock: g.maxBlock,
    maxFree: g.maxFree,
  };
}

/**
 * Builds the figures of `map` from pieces, as the decoder does: written pieces are copied to
 * a source buffer at some byte offset and summed up from there; FREE blocks in the pieces left
 * unwritten count through addFree (what is not FREE there is written like the rest).
 */
function figuresOf(
  map: Uint8Array,
  pieces: { length: number; written: boolean; shift: number }[],
): GcInfoCounts {
  const f = new MapFigures();
  const summed = new PieceFigures();
  const words = new Uint32Array(64);
  let at = 0;
  let p = 0;
  while (at < map.length) {
    const piece = pieces[p++ % pieces.length];
    const end = Math.min(map.length, at + Math.max(1, piece.length));
    if (!piece.written && map.subarray(at, end).every((c) => c === FREE)) {
      f.addFree(end - at);
    } else {
      // A piece may be any length, a row or not, at any byte alignment in its source.
      const src = new Uint8Array(end - at + 8);
      src.set(map.subarray(at, end), piece.shift);
      expect(pieceFigures(view(src), piece.shift, piece.shift + end - at, summed, words)).toBe(true);
      expect(summed.blocks).toBe(end - at);
      f.add(summed);
    }
    expect(f.blocks).toBe(end);
    at = end;
  }
  return f.figures(0);
}

describe('map figures', () => {
  it('equal gcInfoOfMaps for any map written in any pieces', () => {
    fc.assert(
      fc.property(mapArb, piecesArb, (map, pieces) => {
        expect(figuresOf(map, pieces)).toEqual(counts(map));
      }),
      { numRuns: 3000 },
    );
  });

  it('equal gcInfoOfMaps when the map ends in blocks never written, however many', () => {
    fc.assert(
      fc.property(mapArb, fc.integer({ min: 0, max: 1 << 26 }), (map, free) => {
        const f = new MapFigures();
        const summed = new PieceFigures();
        expect(pieceFigures(view(map), 0, map.length, summed, new Uint32Array(map.length))).toBe(true);
        f.add(summed);
        // The whole map as one run, then `free` FREE blocks counted without a map.
        const withFree = f.figures(free);
        const full = new Uint8Array(map.length + Math.min(free, 4096)).fill(FREE);
        full.set(map);
        if (free <= 4096) expect(withFree).toEqual(counts(full));
        expect(withFree.blocks).toBe(map.length + free);
        expect(withFree.free).toBe(counts(map).free + free);
        expect(withFree.maxFree).toBeGreaterThanOrEqual(free);
      }),
      { numRuns: 500 },
    );
  });

  it('join areas as gcInfoOfMaps does (chains and free runs end with each area)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(mapArb, piecesArb), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(8, 16, 32, 64),
        (areas, blockSize) => {
          const maps = areas.map(([m]) => m);
          const joined = joinAreaFigures(
            areas.map(([m, pieces]) => figuresOf(m, pieces)),
            blockSize,
          );
          expect(joined).toEqual(gcInfoOfMaps(maps, blockSize));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('take exactly the map characters gc.c prints, and copy them as little-endian words', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.nat(7),
        fc.nat(4),
        (bytes, shift, at) => {
          const src = new Uint8Array(bytes.length + 8);
          src.set(bytes, shift);
          const piece = new PieceFigures();
          piece.blocks = -1;
          const words = new Uint32Array(20);
          const ok = pieceFigures(view(src), shift, shift + bytes.length, piece, words, at);
          expect(ok).toBe(bytes.every((c) => isMapChar(c)));
          if (!ok) {
            expect(piece.blocks).toBe(-1); // untouched
            return;
          }
          for (let k = 0; k < bytes.length >> 2; k++) {
            const b = bytes.subarray(4 * k, 4 * k + 4);
            expect(words[at + k]).toBe((b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0);
          }
          expect(words.subarray(0, at).every((w) => w === 0)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('of a whole row of TAILs or of FREE blocks, and of rows of every kind of block', () => {
    for (const c of CHARS) {
      const map = new Uint8Array(64).fill(c);
      expect(figuresOf(map, [{ length: 64, written: true, shift: 1 }])).toEqual(counts(map));
    }
    // Two rows of TAILs after a HEAD: one chain of 129 blocks across three runs.
    const long = new Uint8Array(192).fill(TAIL);
    long[63] = 0x54;
    expect(figuresOf(long, [{ length: 64, written: true, shift: 0 }])).toEqual(counts(long));
    expect(counts(long).maxBlock).toBe(129);
  });
});
