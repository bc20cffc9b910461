/**
 * The profile of each profiled snapshot (block owners, allocations alive by stack) travels in the
 * report page packed as key frames and patches (views/report/profile-pack.ts): every snapshot's
 * profile comes back exactly, in any order the page asks, whichever snapshots lack a profile,
 * and in far less text than a key frame each.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CH_FREE, CH_TAIL } from '../../src/heap/block-map.js';
import type { HeapProfile } from '../../src/snapshot/profile.js';
import type { HeapSnapshot } from '../../src/snapshot/snapshot.js';
import { KEYFRAME_EVERY, MapStore, SnapshotPacker } from '../../src/views/report/format.js';
import {
  applyAlivePatch,
  applyOwnersPatch,
  decodeOwnerRuns,
  encodeAlivePatch,
  encodeOwnerRuns,
  encodeOwnersPatch,
} from '../../src/views/report/profile-pack.js';
import { profileOfEvents, reportData } from '../../src/views/report/write-report.js';
import { traceSnapshots } from '../web/support.js';

/** Owners that follow the map as a profiler's do: one stack per object, -1 on free blocks. */
function ownersOf(map: Uint8Array, stackOfHead: (head: number, char: number) => number): Int32Array {
  const out = new Int32Array(map.length).fill(-1);
  let owner = -1;
  for (let b = 0; b < map.length; b++) {
    if (map[b] === CH_FREE) owner = -1;
    else if (map[b] !== CH_TAIL) owner = stackOfHead(b, map[b]);
    out[b] = owner;
  }
  return out;
}

const { snapshots: modelSnapshots } = traceSnapshots('fragmentation.trace');

/** Allocations alive by stack, as the engine lists them: in the order it meets them, not sorted. */
function aliveOf(map: Uint8Array, owners: Int32Array): [number, number, number][] {
  const by = new Map<number, [number, number, number]>();
  for (let b = map.length - 1; b >= 0; b--) {
    const o = owners[b];
    if (o < 0) continue;
    const e = by.get(o) ?? [o, 0, 0];
    by.set(o, e);
    e[2] += 16;
    if (map[b] !== CH_TAIL) e[1]++;
  }
  return [...by.values()];
}

function profiled(withProfile: (i: number) => boolean, salt = 0): HeapSnapshot[] {
  return modelSnapshots.map((s, i) => {
    if (!withProfile(i)) return s;
    const owners = s.areas.map((a) => ownersOf(a.map, (h, c) => (h * 7 + c + salt) % 61));
    return { ...s, profile: { alive: aliveOf(s.areas[0].map, owners[0]), owners } };
  });
}

const byStack = (alive: [number, number, number][]) => [...alive].sort((a, b) => a[0] - b[0]);

function packAll(snaps: HeapSnapshot[]) {
  const packer = new SnapshotPacker();
  // Through JSON, as the page receives them.
  return JSON.parse(JSON.stringify(snaps.map((s) => packer.pack(s))));
}

describe('owner runs and patches', () => {
  it('round-trips any owners, -1 and large stack indexes included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: 100_000 }), { maxLength: 300 }), (xs) => {
        const owners = Int32Array.from(xs);
        const back = new Int32Array(owners.length);
        expect(decodeOwnerRuns(encodeOwnerRuns(owners), back)).toBe(owners.length);
        expect([...back]).toEqual([...owners]);
      }),
    );
  });

  it('a patch turns the previous owners into the next', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -1, max: 40 }), fc.integer({ min: -1, max: 40 })), {
          minLength: 1,
          maxLength: 300,
        }),
        (pairs) => {
          const prev = Int32Array.from(pairs.map((p) => p[0]));
          const next = Int32Array.from(pairs.map((p, i) => (i % 3 === 0 ? p[1] : p[0])));
          const patched = prev.slice();
          applyOwnersPatch(patched, encodeOwnersPatch(prev, next));
          expect([...patched]).toEqual([...next]);
        },
      ),
    );
  });

  it('an alive patch turns the previous figures into the next', () => {
    const alive = fc.uniqueArray(fc.tuple(fc.nat(60), fc.integer({ min: 1, max: 9 }), fc.nat(500)), {
      selector: (a) => a[0],
      maxLength: 40,
    });
    fc.assert(
      fc.property(alive, alive, (a, b) => {
        const prev = byStack(a);
        const next = byStack(b);
        expect(applyAlivePatch(prev, encodeAlivePatch(prev, next))).toEqual(next);
      }),
    );
    expect(
      encodeAlivePatch(
        [
          [1, 2, 32],
          [4, 1, 16],
        ],
        [
          [1, 2, 32],
          [3, 1, 48],
        ],
      ),
    ).toEqual([[3, 1, 48], [4]]);
  });

  it('says where damaged runs are instead of filling garbage', () => {
    expect(() => decodeOwnerRuns('1*z.x*!', new Int32Array(100))).toThrow(/bad owner run 'x\*!' at block 35/);
    expect(() => decodeOwnerRuns('1*5', new Int32Array(3))).toThrow(/bad owner run/);
    expect(() => applyOwnersPatch(new Int32Array(4), '2:1')).toThrow(/bad owners patch at character 0/);
    expect(() => applyAlivePatch([], [[1, 2]])).toThrow('bad alive patch entry [1,2]');
  });
});

describe('MapStore gives back each snapshot’s owners', () => {
  it('exactly, in any order, whichever snapshots have no profile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: modelSnapshots.length, maxLength: modelSnapshots.length }),
        fc.array(fc.nat(modelSnapshots.length - 1), { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (has, order, salt) => {
          const snaps = profiled((i) => has[i], salt);
          const store = new MapStore(packAll(snaps), 4);
          for (const i of order) {
            const want = snaps[i].profile;
            const got = store.areaOwners(i);
            if (!want) expect(got).toBeNull();
            else {
              expect(got?.map((o) => [...o])).toEqual(want.owners.map((o) => [...o]));
              expect(store.profile(i)?.alive).toEqual(byStack(want.alive));
              expect(store.snapshot(i).profile?.alive).toEqual(byStack(want.alive));
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('starts over at every map key frame, so a page may begin at any of them', () => {
    // The live dashboard drops its oldest snapshots back to a map key frame (live-history.ts):
    // the profile must be decodable from there without what was dropped.
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: modelSnapshots.length, maxLength: modelSnapshots.length }),
        fc.nat(1000),
        (has, salt) => {
          const snaps = profiled((i) => has[i], salt);
          const packed = packAll(snaps);
          for (let k = 0; k < packed.length; k++) {
            if (!packed[k].maps) continue;
            const store = new MapStore(packed.slice(k), 4);
            for (let i = k; i < Math.min(packed.length, k + 3); i++) {
              const want = snaps[i].profile;
              expect(store.areaOwners(i - k)?.map((o) => [...o]) ?? null).toEqual(
                want ? want.owners.map((o) => [...o]) : null,
              );
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('packs profiles as patches between key frames: a fraction of a key frame per snapshot', () => {
    const snaps = profiled(() => true);
    const packed = packAll(snaps);
    const keys = packed.filter((p: { profile?: { owners?: string[] } }) => p.profile?.owners).length;
    expect(keys).toBeGreaterThanOrEqual(Math.ceil(snaps.length / KEYFRAME_EVERY));
    expect(keys).toBeLessThan(snaps.length / 8);
    const total = packed.reduce(
      (n: number, p: { profile?: unknown }) => n + JSON.stringify(p.profile).length,
      0,
    );
    const allKeys = snaps.reduce(
      (n, s) =>
        n +
        JSON.stringify({ alive: s.profile!.alive, owners: s.profile!.owners.map(encodeOwnerRuns) }).length,
      0,
    );
    expect(total).toBeLessThan(allKeys / 4);
    // Never an Int32Array spelled out as JSON ({"0":-1,"1":-1,…}).
    expect(JSON.stringify(packed)).not.toContain('"0":-1');
  });
});

const PROFILE: HeapProfile = {
  exact: true,
  precision: 'exact',
  blockSize: 16,
  collections: 1,
  peakUsedBytes: null,
  board: null,
  frames: [{ file: 'app.py', line: 2, function: '<module>' }],
  stacks: [
    {
      frames: [0],
      owner: 'script',
      scriptFrame: 0,
      allocations: 1,
      bytes: 32,
      aliveAtEnd: 1,
      aliveBytesAtEnd: 32,
    },
  ],
  lines: [],
  functions: [],
  other: [],
  leaks: [],
};

describe('the report data', () => {
  it('takes the run’s profile from its events and leaves the event out of the timeline', () => {
    const events = [
      { event: 'collect', time: 1 },
      { event: 'profile', time: 2, profile: PROFILE },
    ];
    const data = reportData([], { events });
    expect(data.profile).toEqual(PROFILE);
    expect(data.events.map((e) => e.event)).toEqual(['collect']);
    expect(reportData([], {}).profile).toBeUndefined();
    const damaged = profileOfEvents([{ event: 'profile', time: 2, profile: { frames: 'x' } }]);
    expect(damaged).toEqual({ profile: null, problem: 'profile: frames is not a list' });
  });
});
