/**
 * Exact mem_info texts for formats the corpus does not show (32-byte blocks, several areas,
 * `%05x` offsets past 1 MiB, `mem:` lines, no `out of`, CircuitPython), printed by the heap
 * model's own formatter from maps built here.
 */
import { gcInfoOfMaps } from '../../src/heap/block-map.js';
import {
  type DumpArea,
  formatAllocTable,
  formatGcInfoLines,
  type OutputProfile,
  PROFILE_MODERN,
} from '../../src/heap/mem-info-format.js';

/** A small deterministic PRNG (mulberry32), so fixtures are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = 'TLDSAFBMh';

/** A plausible map: objects of random types and lengths, holes, long free stretches. */
export function randomMap(blocks: number, seed: number, fill = 0.5): Uint8Array {
  const r = rng(seed);
  const map = new Uint8Array(blocks).fill(0x2e);
  let b = 0;
  while (b < blocks) {
    if (r() < 0.02) {
      b += Math.floor(r() * 400); // a long free stretch (abbreviated lines)
      continue;
    }
    if (r() < fill) {
      const len = Math.min(blocks - b, r() < 0.7 ? 1 + Math.floor(r() * 3) : 1 + Math.floor(r() * 90));
      map[b] = LETTERS.charCodeAt(Math.floor(r() * LETTERS.length));
      for (let i = 1; i < len; i++) map[b + i] = 0x3d;
      b += len;
    } else {
      b += 1 + Math.floor(r() * 6);
    }
  }
  return map;
}

export interface FixtureOptions {
  blockSize: number;
  profile?: OutputProfile;
  stackLimit?: number | null;
  mem?: boolean;
  maxNewSplit?: number | null;
  newline?: string;
}

/** The text `micropython.mem_info(1)` prints for these areas. */
export function memInfoText(areas: DumpArea[], o: FixtureOptions): string {
  const info = gcInfoOfMaps(
    areas.map((a) => a.map),
    o.blockSize,
  );
  let s = '';
  if (o.mem) s += `mem: total=${info.used * 3}, current=${info.used}, peak=${info.used * 2}\n`;
  s += o.stackLimit === null ? 'stack: 2080\n' : `stack: 432 out of ${o.stackLimit ?? 32768}\n`;
  s += formatGcInfoLines(info, o.maxNewSplit ?? null);
  s += formatAllocTable(areas, o.blockSize, o.profile ?? PROFILE_MODERN);
  return o.newline ? s.replace(/\n/g, o.newline) : s;
}

/**
 * A dump as MicroPython printed it before v1.8.1 (gc.c of v1.5 to v1.8.0): each row's offset is
 * the block's *address* masked to 20 bits (`PTR_FROM_BLOCK(bl) & 0xfffff`), tails print as `t`,
 * and ` No. of 1-blocks` has no `max free sz`. Written here from a map, in that format.
 */
export function preV181Text(baseHex: string, map: Uint8Array, blockSize = 16): string {
  const info = gcInfoOfMaps([map], blockSize);
  const base = Number.parseInt(baseHex, 16);
  let s = `stack: 424 out of 15360\nGC: total: ${info.total}, used: ${info.used}, free: ${info.free}\n`;
  s += ` No. of 1-blocks: ${info.oneBlocks}, 2-blocks: ${info.twoBlocks}, max blk sz: ${info.maxBlock}\n`;
  s += `GC memory layout; from ${baseHex}:`;
  let b = 0;
  while (b < map.length) {
    let run = b;
    while (run < map.length && map[run] === 0x2e) run++;
    if (run - b >= 128) {
      s += `\n       (${Math.floor((run - b) / 64)} lines all free)`;
      b = run - (run % 64);
      if (b >= map.length) break;
    }
    const end = Math.min(map.length, b + 64);
    s += `\n${((base + b * blockSize) & 0xfffff).toString(16).padStart(5, '0')}: `;
    for (let i = b; i < end; i++) s += map[i] === 0x3d ? 't' : String.fromCharCode(map[i]);
    b = end;
  }
  return `${s}\n`;
}

/**
 * A 2014 dump (gc.c before v1.4): rows numbered by block (`%04x`, 64 a row), no abbreviated
 * free lines, only `.` `h` `t` `m`, and no `max free sz`.
 */
export function blockNumberText(baseHex: string, map: Uint8Array, blockSize = 16): string {
  const info = gcInfoOfMaps([map], blockSize);
  let s = `stack: 1240\nGC: total: ${info.total}, used: ${info.used}, free: ${info.free}\n`;
  s += ` No. of 1-blocks: ${info.oneBlocks}, 2-blocks: ${info.twoBlocks}, max blk sz: ${info.maxBlock}\n`;
  s += `GC memory layout; from ${baseHex}:`;
  for (let b = 0; b < map.length; b++) {
    if (b % 64 === 0) s += `\n${b.toString(16).padStart(4, '0')}: `;
    const c = map[b];
    s += c === 0x2e ? '.' : c === 0x3d ? 't' : 'h';
  }
  return `${s}\n`;
}

/** The map as a 2014 build would show it: every head an `h`. */
export function headsAsH(map: Uint8Array): Uint8Array {
  return map.map((c) => (c === 0x2e || c === 0x3d ? c : 0x68));
}
