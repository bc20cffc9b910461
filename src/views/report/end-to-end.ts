/**
 * A page carries a snapshot's per-area arrays (block maps, block owners) laid end to end, one
 * array for the whole heap, so that a patch can span areas; the views take them apart again by
 * each area's block count. Browser-safe.
 */

type BlockArray = Uint8Array | Int32Array;

/** The areas' arrays laid end to end in one array made by `make` (the only one, as it is). */
export function endToEnd<T extends BlockArray>(parts: readonly T[], make: (length: number) => T): T {
  if (parts.length === 1) return parts[0];
  const out = make(parts.reduce((n, m) => n + m.length, 0));
  let o = 0;
  for (const m of parts) {
    out.set(m, o);
    o += m.length;
  }
  return out;
}

/** The joined array taken apart by area: views into it, `blocks` long each. */
export function byArea<T extends BlockArray>(joined: T, areas: readonly { blocks: number }[]): T[] {
  const out: T[] = [];
  let o = 0;
  for (const a of areas) {
    out.push(joined.subarray(o, o + a.blocks) as T);
    o += a.blocks;
  }
  return out;
}
