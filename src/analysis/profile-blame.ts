/**
 * Which allocations split the free space when an allocation failed: for each source line (or
 * owner apart from the script) with blocks in the heap at that moment, the longest free run there
 * would be if its blocks were free. "The 36 allocations made at line 15 sit between the holes;
 * without them the largest hole would be 4,368 B, enough for the 3,000 B asked."
 *
 * Browser-safe: it reads a snapshot that carries its profile (SnapshotProfile) and the run's
 * HeapProfile, nothing else.
 */
import type { HeapProfile, ProfileOwner } from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { formatBytes } from '../util/size.js';
import { OWNER_TEXT, scriptFrameOf, whereText } from './profile-lines.js';

export interface FreeSpaceBlame {
  /** The script's line, or null for allocations no script line made (see owner). */
  file: string | null;
  line: number | null;
  function: string | null;
  owner: ProfileOwner;
  /** Its allocations in the heap at that moment, and the bytes they held. */
  allocations: number;
  bytes: number;
  /** The longest free run, in bytes, with those blocks free too. */
  largestFreeWithout: number;
  /** True when that run holds the request (whole blocks). */
  enough: boolean;
}

const FREE = '.'.charCodeAt(0);
/** Lines weighed at most (those holding most blocks): each costs one pass over the map. */
const MAX_CANDIDATES = 48;

/**
 * The groups whose removal would make the largest free run longer, most first (at most `limit`).
 * Empty when the snapshot has no profile, or no group's blocks border a hole.
 */
export function blameFreeSpace(
  s: HeapSnapshot,
  profile: HeapProfile,
  requested: number,
  limit = 3,
): FreeSpaceBlame[] {
  const sp = s.profile;
  if (!sp) return [];
  // A group per script line, and one per other owner; each stack belongs to one.
  const groupOfStack = new Int32Array(profile.stacks.length).fill(-1);
  const groups: Omit<FreeSpaceBlame, 'largestFreeWithout' | 'enough'>[] = [];
  const groupIndex = new Map<string, number>();
  profile.stacks.forEach((st, i) => {
    const f = st.owner === 'script' ? scriptFrameOf(profile, st) : null;
    const key = f ? `${f.file}:${f.line}` : st.owner;
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = groups.length;
      groups.push({
        file: f?.file ?? null,
        line: f?.line ?? null,
        function: f?.function ?? null,
        owner: st.owner,
        allocations: 0,
        bytes: 0,
      });
      groupIndex.set(key, g);
    }
    groupOfStack[i] = g;
  });
  for (const [stack, count, bytes] of sp.alive) {
    const g = groupOfStack[stack];
    if (g === undefined || g < 0) continue;
    groups[g].allocations += count;
    groups[g].bytes += bytes;
  }
  const present = groups
    .map((g, i) => ({ g, i }))
    .filter(({ g }) => g.allocations > 0)
    .sort((a, b) => b.g.bytes - a.g.bytes)
    .slice(0, MAX_CANDIDATES);

  const blockSize = s.blockSize;
  const largestNow = longestRun(s, sp.owners, groupOfStack, -2) * blockSize;
  const out: FreeSpaceBlame[] = [];
  for (const { g, i } of present) {
    const largest = longestRun(s, sp.owners, groupOfStack, i) * blockSize;
    if (largest <= largestNow) continue;
    out.push({ ...g, largestFreeWithout: largest, enough: largest >= requested });
  }
  return out.sort((a, b) => b.largestFreeWithout - a.largestFreeWithout).slice(0, limit);
}

/** The longest run of blocks, within one area, that are free or belong to `group`. */
function longestRun(s: HeapSnapshot, owners: Int32Array[], groupOfStack: Int32Array, group: number): number {
  let best = 0;
  s.areas.forEach((area, a) => {
    const own = owners[a];
    let run = 0;
    for (let b = 0; b < area.map.length; b++) {
      const stack = own ? own[b] : -1;
      const mine = stack >= 0 && groupOfStack[stack] === group;
      if (area.map[b] === FREE || mine) {
        run++;
        if (run > best) best = run;
      } else run = 0;
    }
  });
  return best;
}

/** The sentence that names the line splitting the free space: the summary and the web page state it. */
export function blameSentence(b: FreeSpaceBlame, requested: number | null): string {
  const n = `${formatBytes(b.allocations)} allocation${b.allocations === 1 ? '' : 's'} (${formatBytes(b.bytes)} B)`;
  const who =
    b.line !== null
      ? `the ${n} made at ${whereText(b.line, b.function)}`
      : `the ${n} of ${OWNER_TEXT[b.owner]}`;
  const enough =
    requested === null
      ? ''
      : b.enough
        ? `, enough for the ${formatBytes(requested)} B asked`
        : `, still short of the ${formatBytes(requested)} B asked`;
  return `${who} ${b.allocations === 1 ? 'sits' : 'sit'} between the holes; without them the largest hole would be ${formatBytes(b.largestFreeWithout)} B${enough}`;
}
