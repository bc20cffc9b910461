/**
 * Snapshots as plain JSON (one per line in a recording). Block maps travel as run-length text
 * (map-codec.ts), everything else as it is in the model.
 */
import { decodeMap, encodeMap } from './map-codec.js';
import type { SnapshotProfile } from './profile.js';
import type { HeapArea, HeapSnapshot } from './snapshot.js';

export interface StoredArea {
  base: string;
  offsetDigits: HeapArea['offsetDigits'];
  blocks: number;
  /** Run-length encoded block map. */
  map: string;
}

/** A snapshot's profile with each area's block owners as runs: [owner, count, owner, count, …]. */
export interface StoredSnapshotProfile {
  alive: SnapshotProfile['alive'];
  owners: number[][];
}

export type StoredSnapshot = Omit<HeapSnapshot, 'areas' | 'blockSizeKnown' | 'profile'> & {
  areas: StoredArea[];
  blockSizeKnown?: boolean;
  profile?: StoredSnapshotProfile;
};

export function storeSnapshot(snapshot: HeapSnapshot): StoredSnapshot {
  const { profile, ...s } = snapshot;
  return {
    ...s,
    areas: s.areas.map((a) => ({
      base: a.base,
      offsetDigits: a.offsetDigits,
      blocks: a.map.length,
      map: encodeMap(a.map),
    })),
    ...(profile ? { profile: { alive: profile.alive, owners: profile.owners.map(runsOf) } } : {}),
  };
}

function runsOf(owners: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < owners.length; ) {
    let j = i + 1;
    while (j < owners.length && owners[j] === owners[i]) j++;
    out.push(owners[i], j - i);
    i = j;
  }
  return out;
}

function loadProfile(p: StoredSnapshotProfile, areas: StoredArea[]): SnapshotProfile {
  return { alive: p.alive, owners: areas.map((a, i) => ownersOf(p.owners[i] ?? [], a.blocks)) };
}

function ownersOf(runs: number[], blocks: number): Int32Array {
  const out = new Int32Array(blocks).fill(-1);
  let at = 0;
  for (let k = 0; k + 1 < runs.length && at < blocks; k += 2) {
    const n = Math.min(runs[k + 1], blocks - at);
    out.fill(runs[k], at, at + n);
    at += n;
  }
  return out;
}

export function loadSnapshot(stored: StoredSnapshot): HeapSnapshot {
  const { profile, ...s } = stored;
  return {
    ...s,
    // Recordings written before the field existed always had a known block size.
    blockSizeKnown: s.blockSizeKnown ?? true,
    warnings: s.warnings ?? [],
    outputBefore: s.outputBefore ?? '',
    areas: s.areas.map((a) => {
      const map = decodeMap(a.map);
      if (map.length !== a.blocks) {
        throw new Error(`stored map of area ${a.base} has ${map.length} blocks, expected ${a.blocks}`);
      }
      return { base: a.base, offsetDigits: a.offsetDigits, map };
    }),
    ...(profile ? { profile: loadProfile(profile, s.areas) } : {}),
  };
}
