/**
 * Snapshots as plain JSON (one per line in a recording). Block maps travel as run-length text
 * (map-codec.ts), everything else as it is in the model.
 */
import { decodeMap, encodeMap } from './map-codec.js';
import type { HeapArea, HeapSnapshot } from './snapshot.js';

export interface StoredArea {
  base: string;
  offsetDigits: HeapArea['offsetDigits'];
  blocks: number;
  /** Run-length encoded block map. */
  map: string;
}

export type StoredSnapshot = Omit<HeapSnapshot, 'areas' | 'blockSizeKnown'> & {
  areas: StoredArea[];
  blockSizeKnown?: boolean;
};

export function storeSnapshot(s: HeapSnapshot): StoredSnapshot {
  return {
    ...s,
    areas: s.areas.map((a) => ({
      base: a.base,
      offsetDigits: a.offsetDigits,
      blocks: a.map.length,
      map: encodeMap(a.map),
    })),
  };
}

export function loadSnapshot(s: StoredSnapshot): HeapSnapshot {
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
  };
}
