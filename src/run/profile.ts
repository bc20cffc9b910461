/**
 * Turns what a profiling engine reports (EngineProfile: allocation sites as stacks of module
 * contexts and lines) into the run's HeapProfile (snapshot/profile.ts): the script's lines and
 * functions by name, what mpheap, the shims and compiling took apart from them, and the lines
 * whose allocations pile up across collections.
 */
import type { EngineProfile, ProfileLive } from '../engines/engine.js';
import type {
  HeapProfile,
  ProfileFrame,
  ProfileFunction,
  ProfileLeak,
  ProfileLine,
  ProfileOther,
  ProfileOwner,
  ProfileStack,
  SnapshotProfile,
} from '../snapshot/profile.js';
import type { HeapSnapshot } from '../snapshot/snapshot.js';
import { functionsByLine } from './source-functions.js';

export interface ProfileSources {
  /** The script's name as the run shows it (e.g. `examples/ring.py`). */
  scriptName: string;
  /** The script's source: function names and line texts come from it. */
  source: string;
  /** Modules that are board shims (their allocations are the shims', not the script's). */
  shimModules: ReadonlySet<string>;
  /** Modules that are mpheap's own (the helper, the guard). */
  mpheapModules: ReadonlySet<string>;
}

/** An entry being added up: every figure of the exact profile is known (only aliveAtPeak may not be). */
type Counted<T> = { [K in keyof T]: K extends 'aliveAtPeak' ? T[K] : Exclude<T[K], null> };

/** Leaks need the survivors to have grown across at least this many collections. */
const LEAK_MIN_GROWTHS = 2;

export const EXACT_PRECISION =
  'exact: every allocation the engine made, in whole heap blocks as gc.mem_alloc() counts them';

export function buildProfile(p: EngineProfile, src: ProfileSources): HeapProfile {
  const fnByLine = functionsByLine(src.source);
  const sourceLines = src.source.replace(/\r\n?/g, '\n').split('\n');
  const frames: ProfileFrame[] = [];
  const frameIndex = new Map<string, number>();
  const frameOf = (file: string, line: number, fn: string): number => {
    const key = `${file}\0${line}\0${fn}`;
    let i = frameIndex.get(key);
    if (i === undefined) {
      i = frames.length;
      frames.push({ file, line, function: fn });
      frameIndex.set(key, i);
    }
    return i;
  };
  const moduleOf = (ctx: number): string | null => {
    const c = p.contexts[ctx];
    return c && !c.script && c.current ? (p.modules[c.globals] ?? null) : null;
  };

  const aliveEnd = new Map<number, [number, number]>();
  for (const [site, count, bytes] of p.alive) aliveEnd.set(site, [count, bytes]);

  const stacks: ProfileStack[] = p.sites.map((site, index) => {
    const fr: number[] = [];
    let scriptFrame: number | null = null;
    site.frames.forEach(([ctx, line], k) => {
      if (p.contexts[ctx]?.script) {
        scriptFrame = k;
        fr.push(frameOf(src.scriptName, line, fnByLine[line - 1]?.name ?? '<module>'));
      } else fr.push(frameOf(moduleOf(ctx) ?? '<code>', line, ''));
    });
    const [aliveAtEnd, aliveBytesAtEnd] = aliveEnd.get(index) ?? [0, 0];
    return {
      frames: fr,
      owner: ownerOf(site.exec, site.frames, scriptFrame, moduleOf, src),
      scriptFrame,
      allocations: site.allocations,
      bytes: site.bytes,
      aliveAtEnd,
      aliveBytesAtEnd,
    };
  });

  const peakAlive = new Map<number, number>();
  for (const [site, count] of p.peak?.alive ?? []) peakAlive.set(site, count);

  // Lines: each script stack filed under its innermost script frame.
  const lines = new Map<number, Counted<ProfileLine> & { stacks: number[] }>();
  stacks.forEach((s, index) => {
    if (s.owner !== 'script' || s.scriptFrame === null) return;
    const f = frames[s.frames[s.scriptFrame]];
    let entry = lines.get(f.line);
    if (!entry) {
      entry = {
        file: f.file,
        line: f.line,
        function: f.function,
        allocations: 0,
        bytes: 0,
        aliveAtEnd: 0,
        aliveBytesAtEnd: 0,
        aliveAtPeak: p.peak ? 0 : null,
        text: (sourceLines[f.line - 1] ?? '').trim(),
        stacks: [],
      };
      lines.set(f.line, entry);
    }
    entry.allocations += s.allocations;
    entry.bytes += s.bytes;
    entry.aliveAtEnd += s.aliveAtEnd;
    entry.aliveBytesAtEnd += s.aliveBytesAtEnd;
    if (entry.aliveAtPeak !== null) entry.aliveAtPeak += peakAlive.get(index) ?? 0;
    entry.stacks.push(index);
  });

  return {
    exact: true,
    precision: EXACT_PRECISION,
    blockSize: p.blockSize,
    collections: p.collections,
    peakUsedBytes: p.peak?.usedBytes ?? null,
    frames,
    stacks,
    lines: [...lines.values()].sort(byBytes).map(({ stacks: _, ...line }) => line),
    functions: functionsOf(stacks, frames, fnByLine),
    other: othersOf(stacks),
    leaks: leaksOf(p, [...lines.values()]),
    board: null,
  };
}

function ownerOf(
  exec: 'script' | 'mpheap' | 'shims',
  siteFrames: [number, number][],
  scriptFrame: number | null,
  moduleOf: (ctx: number) => string | null,
  src: ProfileSources,
): ProfileOwner {
  if (exec !== 'script') return exec;
  // No line of the script on the stack: the unit being compiled (or mpheap's guard around it).
  if (scriptFrame === null) return 'compile';
  // Below the innermost script line: a shim or mpheap's helper did the allocating.
  for (let k = scriptFrame + 1; k < siteFrames.length; k++) {
    const name = moduleOf(siteFrames[k][0]);
    if (name !== null && src.mpheapModules.has(name)) return 'mpheap';
    if (name !== null && src.shimModules.has(name)) return 'shims';
  }
  return 'script';
}

/** Most bytes first, then most allocations (where counted). */
export function byBytes(
  a: { bytes: number; allocations: number | null },
  b: { bytes: number; allocations: number | null },
) {
  return b.bytes - a.bytes || (b.allocations ?? 0) - (a.allocations ?? 0);
}

function functionsOf(
  stacks: ProfileStack[],
  frames: ProfileFrame[],
  fnByLine: { name: string; defLine: number }[],
): ProfileFunction[] {
  const out = new Map<string, Counted<ProfileFunction>>();
  const entry = (file: string, line: number, name: string): Counted<ProfileFunction> => {
    let f = out.get(name);
    if (!f) {
      f = {
        file,
        function: name,
        line: fnByLine[line - 1]?.defLine ?? 0,
        allocations: 0,
        bytes: 0,
        totalAllocations: 0,
        totalBytes: 0,
        aliveAtEnd: 0,
      };
      out.set(name, f);
    }
    return f;
  };
  for (const s of stacks) {
    if (s.owner !== 'script' || s.scriptFrame === null) continue;
    const own = frames[s.frames[s.scriptFrame]];
    const self = entry(own.file, own.line, own.function);
    self.allocations += s.allocations;
    self.bytes += s.bytes;
    self.aliveAtEnd += s.aliveAtEnd;
    // Every script function on the stack made it, once each however deep the recursion.
    const seen = new Set<string>();
    for (const i of s.frames) {
      const f = frames[i];
      if (f.function === '' || seen.has(f.function)) continue;
      seen.add(f.function);
      const e = entry(f.file, f.line, f.function);
      e.totalAllocations += s.allocations;
      e.totalBytes += s.bytes;
    }
  }
  return [...out.values()].sort((a, b) => b.totalBytes - a.totalBytes || b.bytes - a.bytes);
}

function othersOf(stacks: ProfileStack[]): ProfileOther[] {
  const out = new Map<ProfileOther['owner'], Counted<ProfileOther>>();
  for (const s of stacks) {
    if (s.owner === 'script') continue;
    let o = out.get(s.owner);
    if (!o) {
      o = { owner: s.owner, allocations: 0, bytes: 0, aliveAtEnd: 0, aliveBytesAtEnd: 0 };
      out.set(s.owner, o);
    }
    o.allocations += s.allocations;
    o.bytes += s.bytes;
    o.aliveAtEnd += s.aliveAtEnd;
    o.aliveBytesAtEnd += s.aliveBytesAtEnd;
  }
  return [...out.values()].sort(byBytes);
}

/**
 * A line leaks when what its allocations leave alive after each collection keeps growing: the
 * sites' survivor series summed at every collection where one of them changed.
 */
function leaksOf(p: EngineProfile, lines: (Counted<ProfileLine> & { stacks: number[] })[]): ProfileLeak[] {
  const out: ProfileLeak[] = [];
  for (const line of lines) {
    const series = line.stacks.map((s) => p.survivors[s] ?? []).filter((x) => x.length > 0);
    if (series.length === 0) continue;
    const points = [...new Set(series.flatMap((x) => x.map(([c]) => c)))].sort((a, b) => a - b);
    const at = series.map(() => 0);
    const cursor = series.map(() => 0);
    let first: [number, number] | null = null;
    let previous = 0;
    let growths = 0;
    let last = 0;
    for (const c of points) {
      series.forEach((x, k) => {
        while (cursor[k] < x.length && x[cursor[k]][0] <= c) at[k] = x[cursor[k]++][1];
      });
      const total = at.reduce((a, b) => a + b, 0);
      if (first === null && total > 0) first = [c, total];
      else if (first !== null && total > previous) growths++;
      previous = total;
      last = total;
    }
    if (first === null || growths < LEAK_MIN_GROWTHS || last <= first[1]) continue;
    out.push({
      file: line.file,
      line: line.line,
      function: line.function,
      aliveFirst: first[1],
      aliveLast: last,
      growths,
      collections: p.collections - first[0] + 1,
      bytesAtEnd: line.aliveBytesAtEnd,
    });
  }
  return out.sort((a, b) => b.aliveLast - b.aliveFirst - (a.aliveLast - a.aliveFirst));
}

/**
 * What a profiling engine said was alive when a snapshot was taken, laid over that snapshot's
 * areas: each block gets the site of the allocation it belongs to (heads from the engine, the
 * tail blocks after each head from the map).
 */
export function snapshotProfileOf(live: ProfileLive, s: HeapSnapshot): SnapshotProfile {
  const owners = s.areas.map((area) => {
    const out = new Int32Array(area.map.length).fill(-1);
    const base = Number.parseInt(area.base, 16);
    const from = live.owners.find((o) => o.base === base);
    if (!from) return out;
    let site = -1;
    const n = Math.min(out.length, from.sites.length);
    for (let b = 0; b < n; b++) {
      const head = from.sites[b];
      if (head >= 0) site = head;
      else if (area.map[b] !== TAIL) site = -1;
      out[b] = site;
    }
    return out;
  });
  return { alive: live.alive, owners };
}

const TAIL = '='.charCodeAt(0);
