/**
 * The text lines `micropython.mem_info()` prints before the heap map, every form since v1.8
 * (see shared/spec/micropython-gc.md §3):
 *
 *   mem: total=%u, current=%u, peak=%u                 (MICROPY_MEM_STATS builds)
 *   stack: %u out of %u   |   stack: %u                 (with / without stack checking)
 *   GC: total: %u, used: %u, free: %u[, max new split: %u]
 *    No. of 1-blocks: %u, 2-blocks: %u, max blk sz: %u[, max free sz: %u]
 *   GC memory layout; from %p:                          (one per area since v1.20)
 *   GC memory layout:                                   (2014 builds: no address)
 *
 * Each may be glued after other text on the same line (a prompt, `>OK` of the raw REPL, program
 * output without a newline), so they are searched for, not anchored.
 */

export type InfoKind = 'mem' | 'stack' | 'gc' | 'blocks' | 'layout';

/** Where each line sits in mem_info's output: a line of lower or equal rank starts a new one. */
export const INFO_RANK: Record<InfoKind, number> = { mem: 0, stack: 1, gc: 2, blocks: 3, layout: 4 };

/** The fixed text each line kind starts with, as searched for in a cleaned line. */
const KEYWORDS: ReadonlyArray<readonly [InfoKind, string]> = [
  ['mem', 'mem: total='],
  ['stack', 'stack: '],
  ['gc', 'GC: total: '],
  ['blocks', 'No. of 1-blocks: '],
  ['layout', 'GC memory layout'],
];

/** Characters in the longest keyword: a keyword split across two reads fits in this overlap. */
export const LONGEST_KEYWORD = Math.max(...KEYWORDS.map(([, w]) => w.length));

export interface FoundInfo {
  kind: InfoKind;
  /** Index of the keyword in the line. */
  at: number;
}

/** The earliest mem_info keyword in a line, or null. */
export function findInfo(line: string): FoundInfo | null {
  let best: FoundInfo | null = null;
  for (const [kind, word] of KEYWORDS) {
    const at = line.indexOf(word);
    if (at >= 0 && (best === null || at < best.at)) best = { kind, at };
  }
  return best;
}

export type InfoLine =
  | { kind: 'mem'; total: number; current: number; peak: number }
  | { kind: 'stack'; used: number; limit: number | null }
  | { kind: 'gc'; total: number; used: number; free: number; maxNewSplit: number | null }
  | { kind: 'blocks'; one: number; two: number; maxBlock: number; maxFree: number | null }
  /** `base` is null for the 2014 form that printed no address. */
  | { kind: 'layout'; base: string | null };

const PATTERNS: Record<InfoKind, RegExp> = {
  mem: /^mem: total=(\d+), current=(\d+), peak=(\d+)\s*$/,
  stack: /^stack: (\d+)(?: out of (-?\d+))?\s*$/,
  gc: /^GC: total: (\d+), used: (\d+), free: (\d+)(?:, max new split: (\d+))?\s*$/,
  blocks: /^No\. of 1-blocks: (\d+), 2-blocks: (\d+), max blk sz: (\d+)(?:, max free sz: (\d+))?\s*$/,
  layout: /^GC memory layout(?:; from (?:0x)?([0-9a-fA-F]+))?:\s*$/,
};

/**
 * Parses one line of the given kind, starting at its keyword; null when it does not have the
 * exact form (a line cut short or damaged).
 */
export function parseInfo(kind: InfoKind, text: string): InfoLine | null {
  const m = PATTERNS[kind].exec(text);
  if (!m) return null;
  const n = (i: number) => Number(m[i]);
  switch (kind) {
    case 'mem':
      return { kind, total: n(1), current: n(2), peak: n(3) };
    case 'stack':
      return { kind, used: n(1), limit: m[2] === undefined ? null : n(2) };
    case 'gc':
      return { kind, total: n(1), used: n(2), free: n(3), maxNewSplit: m[4] === undefined ? null : n(4) };
    case 'blocks':
      return { kind, one: n(1), two: n(2), maxBlock: n(3), maxFree: m[4] === undefined ? null : n(4) };
    case 'layout':
      return { kind, base: m[1] === undefined ? null : m[1].toLowerCase() };
  }
}

/** `       (N lines all free)`: gc.c's abbreviation for two or more whole free lines. */
export const FREE_LINES = /^\s*\((\d+) lines all free\)\s*$/;

/**
 * What is left of a `GC:` or ` No. of 1-blocks:` line that lost its start in transfer
 * (`193664, used: 48656, free: 145008`): two of its inner fields in their order are enough to
 * tell it from program output.
 */
const DAMAGED: ReadonlyArray<readonly [InfoKind, RegExp]> = [
  ['gc', /(?:^|[\s\d,])used: \d+, free: \d+(?:, max new split: \d+)?\s*$/],
  ['blocks', /(?:^|[\s\d,])2-blocks: \d+, max blk sz: \d+(?:, max free sz: \d+)?\s*$/],
];

export function damagedInfoKind(line: string): InfoKind | null {
  for (const [kind, re] of DAMAGED) if (re.test(line)) return kind;
  return null;
}

const UNKNOWN_SECTION = /^\s*GC [^:]*:\s*$/;

/**
 * A line that names a section of a dump mpheap does not know (`GC area #1 (size 8192), from X:`):
 * shaped like a section header, and not the `GC memory layout` line it knows.
 */
export function isUnknownSection(line: string): boolean {
  return UNKNOWN_SECTION.test(line) && findInfo(line)?.kind !== 'layout';
}

/** A map row: hex offset (4, 5 or 8 digits), a colon, block characters. */
export const ROW_START = /^[0-9a-fA-F]{4,8}:/;
