/**
 * A snapshot's profile as the report page carries it (format.ts packs the maps; this packs what
 * the profile says of each snapshot beside them). Browser-safe.
 *
 * Both halves of a SnapshotProfile are packed as the maps are, and for the same reason: a run of
 * many snapshots of a big heap, with hundreds of stacks alive in each.
 *  - The owners (for each block, the stack index of the allocation it belongs to, -1 none) as
 *    owner runs: `<owner+1>` or `<owner+1>*<count>`, base 36, joined by `.`; an object's head
 *    and tails share an owner, so one run per object or hole ("0*2.1k*3.0*c").
 *  - `alive` ([stack, allocations, bytes] of each stack with blocks in use) sorted by stack: its
 *    order says nothing (the engine lists it as it finds it).
 * A key frame holds both whole. A patch holds only what changed since the previous snapshot: the
 * owners' changed stretches, `<first block>:<runs>,` (base 36) over the areas laid end to end,
 * and the stacks whose figures changed ([stack, allocations, bytes]) or that left ([stack]). A
 * patch is used only when shorter than the key frame, only after a snapshot with a profile and
 * the same areas, and a key frame comes at least every KEYFRAME_EVERY snapshots, so the page
 * reaches any snapshot's profile from the key frame before it.
 */
import type { SnapshotProfile } from '../../snapshot/profile.js';
import { endToEnd } from './end-to-end.js';
import { eachStretch, encodeStretches } from './stretch-patch.js';

type Alive = SnapshotProfile['alive'];

/** A snapshot's profile in the page: a key frame (alive, owners) or a patch (alivePatch, ownersPatch). */
export interface PackedProfile {
  alive?: Alive;
  /** Each area's owner runs. */
  owners?: string[];
  alivePatch?: number[][];
  /** Against the previous snapshot's owners, areas laid end to end. */
  ownersPatch?: string;
}

/** Unchanged blocks between two changed stretches that are cheaper to repeat than to split on. */
const PATCH_MERGE_GAP = 4;

export function encodeOwnerRuns(owners: Int32Array): string {
  const parts: string[] = [];
  for (let i = 0; i < owners.length; ) {
    let j = i + 1;
    while (j < owners.length && owners[j] === owners[i]) j++;
    const v = (owners[i] + 1).toString(36);
    parts.push(j - i === 1 ? v : `${v}*${(j - i).toString(36)}`);
    i = j;
  }
  return parts.join('.');
}

/** Decodes owner runs into `out` from `at`; returns the number of blocks written. */
export function decodeOwnerRuns(text: string, out: Int32Array, at = 0): number {
  if (text === '') return 0;
  let o = at;
  for (const run of text.split('.')) {
    const star = run.indexOf('*');
    const v = Number.parseInt(star < 0 ? run : run.slice(0, star), 36) - 1;
    const n = star < 0 ? 1 : Number.parseInt(run.slice(star + 1), 36);
    if (!Number.isFinite(v) || !Number.isInteger(n) || n < 1 || o + n > out.length) {
      throw new Error(`bad owner run '${run.slice(0, 20)}' at block ${o}`);
    }
    out.fill(v, o, o + n);
    o += n;
  }
  return o - at;
}

export function encodeOwnersPatch(prev: Int32Array, next: Int32Array): string {
  return encodeStretches(prev, next, PATCH_MERGE_GAP, 36, encodeOwnerRuns);
}

export function applyOwnersPatch(owners: Int32Array, patch: string): void {
  eachStretch(patch, 36, 'owners', (start, runs) => decodeOwnerRuns(runs, owners, start));
}

function sortedAlive(alive: Alive): Alive {
  return [...alive].sort((a, b) => a[0] - b[0]);
}

/** The stacks whose figures changed ([stack, count, bytes]) or that left ([stack]); both sorted. */
export function encodeAlivePatch(prev: Alive, next: Alive): number[][] {
  const out: number[][] = [];
  let i = 0;
  let j = 0;
  while (i < prev.length || j < next.length) {
    const p = prev[i];
    const n = next[j];
    if (n && (!p || n[0] < p[0])) {
      out.push([...n]);
      j++;
    } else if (p && (!n || p[0] < n[0])) {
      out.push([p[0]]);
      i++;
    } else {
      if (p[1] !== n[1] || p[2] !== n[2]) out.push([...n]);
      i++;
      j++;
    }
  }
  return out;
}

export function applyAlivePatch(alive: Alive, patch: readonly number[][]): Alive {
  const byStack = new Map<number, Alive[number]>(alive.map((a) => [a[0], a]));
  for (const e of patch) {
    if (!Array.isArray(e) || !Number.isInteger(e[0]) || (e.length !== 1 && e.length !== 3))
      throw new Error(`bad alive patch entry ${JSON.stringify(e).slice(0, 40)}`);
    if (e.length === 1) byStack.delete(e[0]);
    else byStack.set(e[0], [e[0], e[1], e[2]]);
  }
  return sortedAlive([...byStack.values()]);
}

/** Packs the profile of snapshot after snapshot (beside SnapshotPacker's maps). */
export class ProfilePacker {
  private prev: { owners: Int32Array; alive: Alive } | null = null;
  private prevLayout = '';
  private sinceKey = 0;

  constructor(private readonly keyframeEvery: number) {}

  /**
   * `layout` names the areas (base and length): a patch needs the same areas as before.
   * `keyFrame`: the snapshot's maps are a key frame, so its profile must be one too; a page (or
   * the live dashboard's history, which drops back to a map key frame) may start there.
   */
  pack(profile: SnapshotProfile | undefined, layout: string, keyFrame = false): PackedProfile | undefined {
    if (!profile) {
      this.prev = null;
      return undefined;
    }
    const owners = endToEnd(profile.owners, (length) => new Int32Array(length));
    const alive = sortedAlive(profile.alive);
    const key: PackedProfile = { alive, owners: profile.owners.map(encodeOwnerRuns) };
    let packed = key;
    if (
      !keyFrame &&
      this.prev !== null &&
      layout === this.prevLayout &&
      this.sinceKey < this.keyframeEvery - 1
    ) {
      const patch: PackedProfile = {
        alivePatch: encodeAlivePatch(this.prev.alive, alive),
        ownersPatch: encodeOwnersPatch(this.prev.owners, owners),
      };
      if (JSON.stringify(patch).length < JSON.stringify(key).length) packed = patch;
    }
    this.sinceKey = packed === key ? 0 : this.sinceKey + 1;
    this.prev = { owners, alive };
    this.prevLayout = layout;
    return packed;
  }
}

/** A key frame's owners, areas laid end to end. */
export function decodeOwnersKey(owners: readonly string[], areaBlocks: readonly number[]): Int32Array {
  const total = areaBlocks.reduce((n, b) => n + b, 0);
  const out = new Int32Array(total).fill(-1);
  let at = 0;
  areaBlocks.forEach((blocks, a) => {
    const n = decodeOwnerRuns(owners[a] ?? '', out.subarray(at, at + blocks));
    if (n !== blocks && owners[a] !== undefined)
      throw new Error(`owners of area ${a + 1} cover ${n} blocks, expected ${blocks}`);
    at += blocks;
  });
  return out;
}

/** A snapshot's profile unpacked: owners with the areas laid end to end. */
export interface UnpackedProfile {
  owners: Int32Array;
  alive: Alive;
}

/**
 * The profile of the last of `chain` (packed profiles of consecutive snapshots, the first a key
 * frame or `from`, an unpacked profile of the snapshot before the chain).
 */
export function unpackProfile(
  chain: readonly { profile: PackedProfile | undefined; areaBlocks: number[] }[],
  from: UnpackedProfile | null,
): UnpackedProfile {
  let cur: UnpackedProfile | null = from ? { owners: from.owners.slice(), alive: from.alive } : null;
  for (const { profile: p, areaBlocks } of chain) {
    if (p?.owners) cur = { owners: decodeOwnersKey(p.owners, areaBlocks), alive: sortedAlive(p.alive ?? []) };
    else if (p?.ownersPatch !== undefined && cur) {
      applyOwnersPatch(cur.owners, p.ownersPatch);
      cur.alive = applyAlivePatch(cur.alive, p.alivePatch ?? []);
    } else throw new Error('a profile patch without a key frame before it');
  }
  if (!cur) throw new Error('no profile to unpack');
  return cur;
}
