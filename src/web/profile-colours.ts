/**
 * The heap profile's colours: the owners apart from the script (the icicle graph and the map
 * agree on them), the script's frames in the icicle, and the map coloured by source line.
 */
import { scriptFrameOf } from '../analysis/profile-lines.js';
import { CH_FREE, CH_TAIL } from '../heap/block-map.js';
import type { HeapProfile, ProfileOwner } from '../snapshot/profile.js';
import { paletteEntry, parseRgb, tailRgb } from '../views/palette.js';

/** Muted, so the script's own code (warm, strong) stands out from what is not its own. */
export const OWNER_RGB: Record<Exclude<ProfileOwner, 'script'>, string> = {
  mpheap: '#8e9bb5',
  compile: '#b7a4d6',
  shims: '#7fbfae',
};

/** A script frame's colour in the icicle: warm, one per function, so a function reads as one. */
export function scriptFrameRgb(fn: string): string {
  let h = 0;
  for (let i = 0; i < fn.length; i++) h = (h * 31 + fn.charCodeAt(i)) >>> 0;
  return `hsl(${12 + (h % 36)}, ${72 + ((h >> 6) % 16)}%, ${60 + ((h >> 10) % 12)}%)`;
}

/** The map's colours for the lines that made most bytes in the run, in that order. */
export const LINE_RGB = [
  '#d62728',
  '#ff7f0e',
  '#1f77b4',
  '#2ca02c',
  '#e0b000',
  '#e377c2',
  '#8c564b',
  '#17becf',
];
/** The script's lines beyond those. */
const OTHER_LINES_RGB = '#c8ad7f';
/** Used blocks whose allocation is not on record: made before the profiler started. */
export const NO_OWNER_RGB = '#a3a3a3';

/** A colour key for each of the run's stacks, as the map by line groups them. */
export interface LineColours {
  /** Per stack: index into `keys`. */
  keyOfStack: Int32Array;
  /** One per colour; `order` is the legend's (the run's biggest lines first, owners last). */
  keys: {
    key: string;
    line: number | null;
    function: string | null;
    owner: ProfileOwner;
    rgb: string;
    order: number;
  }[];
}

/**
 * Each stack's colour on the map by line: the run's biggest lines (profile.lines is most bytes
 * first) a colour each, kept from snapshot to snapshot; the rest of the script's lines one
 * colour; each owner apart from the script its own.
 */
export function lineColours(profile: HeapProfile): LineColours {
  const keys: LineColours['keys'] = [];
  const index = new Map<string, number>();
  const keyIndex = (
    key: string,
    line: number | null,
    fn: string | null,
    owner: ProfileOwner,
    rgb: string,
    order: number,
  ) => {
    let k = index.get(key);
    if (k === undefined) {
      k = keys.length;
      keys.push({ key, line, function: fn, owner, rgb, order });
      index.set(key, k);
    }
    return k;
  };
  const ownerOrder: Record<ProfileOwner, number> = { script: 0, mpheap: 1, compile: 2, shims: 3 };
  const rank = new Map<string, number>();
  profile.lines.slice(0, LINE_RGB.length).forEach((l, i) => {
    rank.set(`${l.file}:${l.line}`, i);
  });
  const keyOfStack = new Int32Array(profile.stacks.length);
  profile.stacks.forEach((st, i) => {
    if (st.owner !== 'script') {
      const order = LINE_RGB.length + 1 + ownerOrder[st.owner];
      keyOfStack[i] = keyIndex(st.owner, null, null, st.owner, OWNER_RGB[st.owner], order);
      return;
    }
    const f = scriptFrameOf(profile, st);
    const r = f ? rank.get(`${f.file}:${f.line}`) : undefined;
    keyOfStack[i] =
      r === undefined || !f
        ? keyIndex('other lines', null, null, 'script', OTHER_LINES_RGB, LINE_RGB.length)
        : keyIndex(`${f.file}:${f.line}`, f.line, f.function, 'script', LINE_RGB[r], r);
  });
  return { keyOfStack, keys };
}

function word([r, g, b]: readonly number[]): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/**
 * The colour of each block (areas end to end, as RGBA words for the map's image): free blocks
 * as on the type map, used ones by the line that made their allocation, tails lighter.
 */
export function blockColoursByLine(
  joined: Uint8Array,
  owners: Int32Array,
  colours: LineColours,
): Uint32Array {
  const head = colours.keys.map((k) => word(parseRgb(k.rgb)));
  const tail = colours.keys.map((k) => word(tailRgb(k.rgb)));
  const none = word(parseRgb(NO_OWNER_RGB));
  const noneTail = word(tailRgb(NO_OWNER_RGB));
  const free = word(parseRgb(paletteEntry('.').rgb));
  const out = new Uint32Array(joined.length);
  for (let b = 0; b < joined.length; b++) {
    const c = joined[b];
    if (c === CH_FREE) {
      out[b] = free;
      continue;
    }
    const stack = owners[b];
    const k = stack >= 0 && stack < colours.keyOfStack.length ? colours.keyOfStack[stack] : -1;
    const isTail = c === CH_TAIL;
    out[b] = k < 0 ? (isTail ? noneTail : none) : isTail ? tail[k] : head[k];
  }
  return out;
}
