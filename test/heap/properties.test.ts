/**
 * Invariants of the heap model over random operation sequences (fast-check):
 * objects never overlap, every TAIL continues a chain, used + free = total, nbytes agrees with
 * the map, and a collection keeps exactly what is reachable from the roots.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcInfoOfMaps } from '../../src/heap/block-map.js';
import { AT_FREE, AT_HEAD, AT_TAIL, GcHeap } from '../../src/heap/gc-heap.js';

type Op =
  | { kind: 'alloc'; bytes: number; fin: boolean }
  | { kind: 'free'; pick: number }
  | { kind: 'realloc'; pick: number; bytes: number; move: boolean }
  | { kind: 'ref'; from: number; word: number; to: number }
  | { kind: 'collect'; rootMask: number }
  | { kind: 'threshold'; bytes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('alloc' as const),
      bytes: fc.integer({ min: 0, max: 300 }),
      fin: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('realloc' as const),
      pick: fc.nat(),
      bytes: fc.integer({ min: 0, max: 400 }),
      move: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('ref' as const),
      from: fc.nat(),
      word: fc.nat({ max: 40 }),
      to: fc.nat(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('collect' as const), rootMask: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('threshold' as const),
      bytes: fc.integer({ min: -1, max: 2000 }),
    }),
  },
);

/** Live object heads read straight from the ATB. */
function heads(heap: GcHeap): number[] {
  const out: number[] = [];
  for (let b = 0; b < heap.blocks; b++) if (heap.kind(b) === AT_HEAD) out.push(heap.addressOf(b));
  return out;
}

/** Objects reachable from the roots by exact head pointers in any word: the spec's liveness. */
function reachable(heap: GcHeap, roots: number[]): Set<number> {
  const seen = new Set<number>();
  const todo = roots.filter((p) => heap.nbytes(p) > 0);
  while (todo.length) {
    const p = todo.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    const words = heap.nbytes(p) / heap.wordSize;
    for (let i = 0; i < words; i++) {
      const q = heap.readWord(p, i);
      if (heap.nbytes(q) > 0 && !seen.has(q)) todo.push(q);
    }
  }
  return seen;
}

function checkStructure(heap: GcHeap): void {
  // Every TAIL follows a HEAD or a TAIL; so chains never overlap and never start with a TAIL.
  for (let b = 0; b < heap.blocks; b++) {
    if (heap.kind(b) === AT_TAIL) {
      expect(b).toBeGreaterThan(0);
      expect([AT_HEAD, AT_TAIL]).toContain(heap.kind(b - 1));
    }
  }
  const map = heap.blockMap();
  const info = gcInfoOfMaps([map], heap.blockSize);
  // gc_info read straight from the ATB agrees with the figures of the map.
  expect(heap.gcInfo()).toEqual(info);
  expect(info.used + info.free).toBe(info.total);
  expect(info.total).toBe(heap.blocks * heap.blockSize);
  // nbytes agrees with the map: a head's chain length in the map.
  for (const p of heads(heap)) {
    const b = heap.blockOf(p);
    let n = 1;
    while (b + n < map.length && map[b + n] === 0x3d) n++;
    expect(heap.nbytes(p)).toBe(n * heap.blockSize);
  }
  let free = 0;
  for (let b = 0; b < heap.blocks; b++) if (heap.kind(b) === AT_FREE) free++;
  expect(free * heap.blockSize).toBe(info.free);
}

function runOps(wordSize: 4 | 8, bytes: number, ops: Op[]): void {
  const heap = new GcHeap({ bytes, wordSize });
  let live: number[] = [];
  let roots: number[] = [];
  heap.hooks = { roots: () => roots };
  const pick = (i: number) => (live.length ? live[i % live.length] : 0);
  const refresh = () => {
    live = heads(heap);
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'alloc': {
        // Automatic collections keep only the current root set; note what must survive them.
        const mustSurvive = reachable(heap, roots);
        const p = heap.alloc(op.bytes, { finaliser: op.fin });
        if (op.bytes === 0) expect(p).toBe(0);
        if (p !== 0) {
          expect(heap.nbytes(p)).toBe(Math.ceil(op.bytes / heap.blockSize) * heap.blockSize);
          // A new allocation is zeroed.
          for (let i = 0; i < heap.nbytes(p) / wordSize; i++) expect(heap.readWord(p, i)).toBe(0);
        }
        for (const q of mustSurvive) expect(heap.nbytes(q)).toBeGreaterThan(0);
        break;
      }
      case 'free': {
        const p = pick(op.pick);
        if (p === 0 || roots.includes(p)) break;
        heap.free(p);
        expect(heap.nbytes(p)).toBe(0);
        break;
      }
      case 'realloc': {
        const p = pick(op.pick);
        if (p === 0) break;
        const before = heap.nbytes(p);
        const keep = Math.min(before, Math.ceil(op.bytes / heap.blockSize) * heap.blockSize) / wordSize;
        const words = Array.from({ length: keep }, (_, i) => heap.readWord(p, i));
        const q = heap.realloc(p, op.bytes, op.move);
        if (op.bytes === 0) {
          expect(q).toBe(0);
          expect(heap.nbytes(p)).toBe(0);
          roots = roots.filter((r) => r !== p);
        } else if (q === 0) {
          expect(heap.nbytes(p)).toBe(before); // unchanged on failure
        } else {
          expect(heap.nbytes(q)).toBe(Math.ceil(op.bytes / heap.blockSize) * heap.blockSize);
          // The contents up to the smaller size survive, moved or not.
          for (let i = 0; i < keep; i++) expect(heap.readWord(q, i)).toBe(words[i]);
          if (q !== p) roots = roots.map((r) => (r === p ? q : r));
        }
        break;
      }
      case 'ref': {
        const p = pick(op.from);
        if (p === 0 || op.word >= heap.nbytes(p) / wordSize) break;
        heap.writeWord(p, op.word, pick(op.to));
        break;
      }
      case 'collect': {
        roots = live.filter((_, i) => (op.rootMask >> (i % 30)) & 1);
        const keep = reachable(heap, roots);
        const before = heads(heap);
        heap.collect();
        for (const p of before) expect(heap.nbytes(p) > 0).toBe(keep.has(p));
        break;
      }
      case 'threshold':
        heap.setThresholdBytes(op.bytes);
        expect(heap.thresholdBytes()).toBe(
          op.bytes < 0 ? -1 : Math.floor(op.bytes / heap.blockSize) * heap.blockSize,
        );
        break;
    }
    refresh();
    roots = roots.filter((r) => heap.nbytes(r) > 0);
    checkStructure(heap);
  }
}

describe('heap model invariants (random operation sequences)', () => {
  for (const wordSize of [4, 8] as const) {
    it(`hold for w${wordSize}`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 160, max: 6000 }),
          fc.array(opArb, { minLength: 1, maxLength: 120 }),
          (bytes, ops) => runOps(wordSize, bytes, ops),
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe('mark stack overflow (random object graphs far wider than the 64-entry stack)', () => {
  /** A small seeded generator (mulberry32): fast-check's integers lean small, graphs need spread. */
  function random(seed: number): (n: number) => number {
    let a = seed >>> 0;
    return (n) => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
    };
  }

  /**
   * Two clusters of 1- to 3-block objects whose words point at random objects of their own
   * cluster (`density` of the words), roots in the first: marking from them overflows the stack
   * many times over, and the second cluster is garbage.
   */
  function graph(wordSize: 4 | 8, count: number, seed: number, density: number, rootPicks: number[]) {
    const heap = new GcHeap({ bytes: 96 * 1024, wordSize });
    heap.autoCollect = false;
    const rnd = random(seed);
    const objects: number[] = [];
    for (let i = 0; i < count; i++) objects.push(heap.alloc(heap.blockSize * (1 + (i % 3))));
    const half = count >> 1;
    objects.forEach((p, i) => {
      const [from, size] = i < half ? [0, half] : [half, count - half];
      for (let word = 0; word < heap.nbytes(p) / wordSize; word++) {
        if (rnd(1) < density) heap.writeWord(p, word, objects[from + Math.floor(rnd(size))]);
      }
    });
    return { heap, objects, roots: rootPicks.map((i) => objects[i % half]) };
  }

  for (const wordSize of [4, 8] as const) {
    it(`a collection keeps exactly what is reachable, w${wordSize}`, () => {
      let overflowed = 0;
      fc.assert(
        fc.property(
          fc.integer({ min: 300, max: 1000 }),
          fc.integer(),
          fc.double({ min: 0.3, max: 0.9, noNaN: true }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
          (count, seed, density, rootPicks) => {
            const { heap, objects, roots } = graph(wordSize, count, seed, density, rootPicks);
            heap.hooks = { roots: () => roots };
            const keep = reachable(heap, roots);
            // More live objects than the stack holds, with fan-out: gc.c overflows and rescans.
            if (keep.size > 100) overflowed++;
            heap.collect();
            for (const p of objects) expect(heap.nbytes(p) > 0).toBe(keep.has(p));
            checkStructure(heap);
          },
        ),
        { numRuns: 40 },
      );
      expect(overflowed).toBeGreaterThan(20);
    });
  }
});

describe('first fit', () => {
  /** gc_alloc's search, one block at a time from the last-free index, as gc.c writes it. */
  function naiveFirstFit(heap: GcHeap, n: number): number {
    let run = 0;
    for (let b = heap.lastFreeAtbIndex * 4; b < heap.blocks; b++) {
      if (heap.kind(b) === AT_FREE) {
        if (++run >= n) return b - n + 1;
      } else run = 0;
    }
    return -1;
  }

  it('findFreeRun finds what a block-by-block search finds, on random tables', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        (bytes, n, start) => {
          const heap = new GcHeap({ bytes: 8 * 1024, wordSize: 4 });
          // Random ATB bytes, biased to the all-used and all-free values the fast paths take.
          for (let i = 0; i < heap.layout.atbBytes; i++) {
            const v = bytes[i % bytes.length];
            heap.mem[i] = v < 40 ? 0 : v < 80 ? 0x55 : v;
          }
          heap.lastFreeAtbIndex = start % heap.layout.atbBytes;
          expect(heap.findFreeRun(n)).toBe(naiveFirstFit(heap, n));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('gc_info from the ATB', () => {
  it('gcInfo() gives the figures of the block map for any table, MARKs and stray TAILs included', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 300 }), (bytes) => {
        const heap = new GcHeap({ bytes: 8 * 1024, wordSize: 4 });
        for (let i = 0; i < heap.layout.atbBytes; i++) {
          const v = bytes[i % bytes.length];
          heap.mem[i] = v < 30 ? 0 : v < 60 ? 0xaa : v;
        }
        expect(heap.gcInfo()).toEqual(gcInfoOfMaps([heap.blockMap()], heap.blockSize));
      }),
      { numRuns: 2000 },
    );
  });
});
