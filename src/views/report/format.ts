/**
 * The data a report page carries, and how snapshots are packed into it. Browser-safe: the page
 * unpacks with the same module the Node side packs with.
 *
 * Size is the point. A 10,000-snapshot recording of a 112 KiB heap holds 10,000 maps of 7,168
 * blocks; as JSON arrays of characters that would be ~290 MB. Here each snapshot is
 *  - its header figures (a few dozen bytes of JSON), and
 *  - either a key frame: each area's map run-length encoded (../../snapshot/map-codec.ts), or
 *  - a patch against the previous snapshot: only the stretches of blocks that changed, each as
 *    `<first block>:<run-length text>,` over the areas laid end to end.
 * A key frame is written every KEYFRAME_EVERY snapshots (and whenever the areas change), so the
 * page reaches any snapshot by decoding one key frame and at most KEYFRAME_EVERY-1 small patches.
 * A patch is used only when it is shorter than the key frame, so a snapshot never costs more than
 * its run-length map.
 *
 * A snapshot of `mpheap run --profile` carries its profile (block owners, allocations alive) the
 * same way (profile-pack.ts), and the page carries the run's HeapProfile once.
 */
import { decodeMap, encodeMap } from '../../snapshot/map-codec.js';
import type { HeapProfile } from '../../snapshot/profile.js';
import type { HeapArea, HeapSnapshot } from '../../snapshot/snapshot.js';
import { byArea, endToEnd } from './end-to-end.js';
import { type PackedProfile, ProfilePacker, type UnpackedProfile, unpackProfile } from './profile-pack.js';
import { eachStretch, encodeStretches } from './stretch-patch.js';

/** A block map of `length` blocks (for endToEnd). */
const newMap = (length: number) => new Uint8Array(length);

export const REPORT_FORMAT = 'mpheap-report';
export const REPORT_VERSION = 1;
export const KEYFRAME_EVERY = 64;
/** Unchanged blocks between two changed stretches that are cheaper to repeat than to split on. */
const PATCH_MERGE_GAP = 6;

/** One snapshot as the page stores it: the snapshot without its maps, plus the packed maps. */
export type PackedSnapshot = Omit<HeapSnapshot, 'areas' | 'profile'> & {
  areas: { base: string; offsetDigits: HeapArea['offsetDigits']; blocks: number }[];
  /** Key frame: one run-length map per area. */
  maps?: string[];
  /** Patch against the previous snapshot's maps (areas laid end to end). */
  patch?: string;
  /** What the profile says of this snapshot (`mpheap run --profile`), owners packed. */
  profile?: PackedProfile;
};

export interface ReportEvent {
  time: number | null;
  event: string;
  /** The snapshot it happened just before or at (seq), when known. */
  seq?: number | null;
  message?: string;
  /** For memory_error: the bytes asked for, when known. */
  request?: number | null;
  /**
   * For a garbage collection (`collect`): the seq of the snapshot before it, the bytes in use
   * before and after it, and the largest free block after it: the timeline's sawtooth.
   */
  collect?: [afterSeq: number, usedBefore: number, usedAfter: number, largestFreeAfter: number];
}

export interface ReportData {
  format: typeof REPORT_FORMAT;
  version: number;
  title: string;
  /** ms since epoch. */
  createdAt: number;
  /** True on the live dashboard: more snapshots arrive over /events. */
  live: boolean;
  snapshots: PackedSnapshot[];
  events: ReportEvent[];
  /** All program output, as text (the page never interprets it as HTML). */
  output: string;
  /** False when the heap could not grow although `max new split` is printed (run --fixed). */
  heapCanGrow?: boolean;
  /** The run's heap profile (`mpheap run --profile`); the dashboard gets it at the end of the run. */
  profile?: HeapProfile;
  /**
   * Live page only: the characters of snapshots, events and output it may hold (the dashboard's
   * own history budget). Past it the page drops its oldest, as the dashboard does.
   */
  keepChars?: number;
}

/** Packs snapshots one after another (the report writer and the live server use it alike). */
export class SnapshotPacker {
  private prev: Uint8Array | null = null;
  private prevLayout = '';
  private sinceKey = 0;
  private readonly profiles = new ProfilePacker(KEYFRAME_EVERY);

  pack(s: HeapSnapshot): PackedSnapshot {
    const { areas, profile, ...rest } = s;
    const layout = areas.map((a) => `${a.base}/${a.map.length}`).join(',');
    const joined = endToEnd(
      areas.map((a) => a.map),
      newMap,
    );
    const packed: PackedSnapshot = {
      ...rest,
      areas: areas.map((a) => ({ base: a.base, offsetDigits: a.offsetDigits, blocks: a.map.length })),
    };
    const canPatch = this.prev !== null && layout === this.prevLayout && this.sinceKey < KEYFRAME_EVERY - 1;
    const maps = canPatch ? null : areas.map((a) => encodeMap(a.map));
    if (canPatch) {
      const patch = encodePatch(this.prev!, joined);
      const full = areas.map((a) => encodeMap(a.map));
      if (patch.length < full.reduce((n, m) => n + m.length, 0)) {
        packed.patch = patch;
        this.sinceKey++;
      } else {
        packed.maps = full;
        this.sinceKey = 0;
      }
    } else {
      packed.maps = maps!;
      this.sinceKey = 0;
    }
    // Packed after the maps, to follow their key frames.
    const packedProfile = this.profiles.pack(profile, layout, packed.maps !== undefined);
    if (packedProfile) packed.profile = packedProfile;
    this.prev = joined;
    this.prevLayout = layout;
    return packed;
  }
}

/** The changed stretches of `next` against `prev` (same length). */
export function encodePatch(prev: Uint8Array, next: Uint8Array): string {
  return encodeStretches(prev, next, PATCH_MERGE_GAP, 10, encodeMap);
}

/** Applies a patch in place. */
export function applyPatch(map: Uint8Array, patch: string): void {
  eachStretch(patch, 10, 'map', (start, content) => map.set(decodeMap(content), start));
}

/**
 * Unpacks maps on demand. Stepping forward applies one patch; jumping decodes the key frame
 * before the target and the patches after it. The last few maps are kept.
 */
export class MapStore {
  private readonly cache = new Map<number, Uint8Array>();
  private readonly order: number[] = [];
  private readonly profileCache = new Map<number, UnpackedProfile>();
  private readonly profileOrder: number[] = [];

  constructor(
    readonly snapshots: PackedSnapshot[],
    private readonly keep = 8,
  ) {}

  /** The blocks of snapshot i, all areas laid end to end. */
  joined(i: number): Uint8Array {
    const hit = this.cache.get(i);
    if (hit) return hit;
    let k = i;
    while (k > 0 && !this.snapshots[k].maps && !this.cache.has(k)) k--;
    let map = this.cache.get(k);
    if (map) map = map.slice();
    else map = endToEnd((this.snapshots[k].maps ?? []).map(decodeMap), newMap);
    for (let j = k + 1; j <= i; j++) {
      const s = this.snapshots[j];
      if (s.maps) map = endToEnd(s.maps.map(decodeMap), newMap);
      else applyPatch(map, s.patch ?? '');
    }
    this.remember(i, map);
    return map;
  }

  /** The maps of snapshot i, one per area (views into the joined array). */
  areaMaps(i: number): Uint8Array[] {
    return byArea(this.joined(i), this.snapshots[i].areas);
  }

  /**
   * What the profile says of snapshot i (`run --profile`): the block owners, all areas laid end
   * to end (for each block, the stack index of the allocation it belongs to, -1 none), and the
   * allocations alive by stack (sorted by stack); null when it has no profile.
   */
  profile(i: number): UnpackedProfile | null {
    if (!this.snapshots[i]?.profile) return null;
    const hit = this.profileCache.get(i);
    if (hit) return hit;
    let k = i;
    while (k > 0 && !this.snapshots[k].profile?.owners && !this.profileCache.has(k)) k--;
    const from = this.profileCache.get(k) ?? null;
    const chain = [];
    for (let j = from ? k + 1 : k; j <= i; j++) {
      chain.push({
        profile: this.snapshots[j].profile,
        areaBlocks: this.snapshots[j].areas.map((a) => a.blocks),
      });
    }
    let p: UnpackedProfile;
    try {
      p = chain.length === 0 ? from! : unpackProfile(chain, from);
    } catch (e) {
      throw new Error(`snapshot ${i}: ${(e as Error).message}`);
    }
    this.profileCache.set(i, p);
    this.profileOrder.push(i);
    while (this.profileOrder.length > this.keep) this.profileCache.delete(this.profileOrder.shift()!);
    return p;
  }

  /** The block owners of snapshot i, areas laid end to end, or null (see profile()). */
  joinedOwners(i: number): Int32Array | null {
    return this.profile(i)?.owners ?? null;
  }

  /** The owners of snapshot i, one array per area (views into the joined one), or null. */
  areaOwners(i: number): Int32Array[] | null {
    const joined = this.joinedOwners(i);
    return joined && byArea(joined, this.snapshots[i].areas);
  }

  /** The whole snapshot again, as the rest of mpheap knows it. */
  snapshot(i: number): HeapSnapshot {
    const { maps: _maps, patch: _patch, profile: _profile, areas, ...rest } = this.snapshots[i];
    const maps = this.areaMaps(i);
    const profile = this.profile(i);
    const owners = this.areaOwners(i);
    return {
      ...rest,
      areas: areas.map((a, k) => ({ base: a.base, offsetDigits: a.offsetDigits, map: maps[k].slice() })),
      ...(profile && owners
        ? {
            profile: {
              alive: profile.alive.map((a) => [a[0], a[1], a[2]]),
              owners: owners.map((o) => o.slice()),
            },
          }
        : {}),
    };
  }

  /** Forgets what was unpacked (the live page's snapshots were replaced or dropped: indexes moved). */
  clear(): void {
    this.cache.clear();
    this.order.length = 0;
    this.profileCache.clear();
    this.profileOrder.length = 0;
  }

  private remember(i: number, map: Uint8Array): void {
    this.cache.set(i, map);
    this.order.push(i);
    while (this.order.length > this.keep) this.cache.delete(this.order.shift()!);
  }
}
