/**
 * The figures of `gc_info()` gathered piece by piece while a block map is being written, so that
 * the decoder's self-check costs no second pass over the map: each row is summed up while it is
 * validated, and the summaries are joined in map order. The result is exactly what
 * `gcInfoOfMaps` (block-map.ts) gives for the finished map (test/heap/map-figures.test.ts).
 *
 * The rules, as in gcInfoOfMaps: a TAIL lengthens the chain (even with no HEAD before it) and
 * leaves the free run alone; any other block ends the chain; FREE lengthens the free run; HEAD
 * and MARK end it; a HEAD starts a chain; HEAD and TAIL count as used, FREE as free, MARK as
 * neither.
 *
 * A piece of the map is summed up without knowing what came before it: the TAILs before its
 * first other block, and the FREE blocks before its first HEAD or MARK, are kept apart, since
 * they continue the chain and the free run coming in. Within a piece this is done with two
 * sentinels: the chain and the free run start at -RUN_SENTINEL, so they stay negative (and
 * count for nothing) until the first block that ends them, whose value then says how long the
 * leading part was.
 */
import { CH_FREE, CH_MARK, CH_TAIL, type GcInfoFigures, MAP_CHARS } from './block-map.js';

/** Far below any chain or free run: a map holds at most 2^26 blocks (decoder.ts MAX_BLOCKS). */
const RUN_SENTINEL = 1 << 30;

/** What a piece of a map adds to gc_info, apart from what depends on the blocks before it. */
export class PieceFigures {
  /** Blocks in the piece. */
  blocks = 0;
  used = 0;
  free = 0;
  /** Chains of one and two blocks that start and end inside the piece. */
  ones = 0;
  twos = 0;
  /**
   * At least as long as every chain that starts and ends inside the piece, and no longer than
   * the longest chain of the map (a chain still open may be counted in part: it only grows).
   */
  longest = 0;
  /** The same for free runs (those between two HEAD or MARK blocks, and partial ones after). */
  longestFree = 0;
  /** TAILs before the first block that is not one (all the blocks when every one is a TAIL). */
  leadTails = 0;
  /** The chain open at the piece's end; -1 when every block is a TAIL. */
  chainOut = 0;
  /** FREE blocks before the first HEAD or MARK (all of them when there is none). */
  leadFree = 0;
  /** FREE blocks after the last HEAD or MARK; -1 when there is none. */
  freeOut = 0;
}

/**
 * gc_info() of one area's map, kept up to date while it is written front to back: `blocks` is
 * how much of the map it covers. Blocks never written are FREE (addFree, O(1) however many).
 */
export class MapFigures {
  blocks = 0;
  used = 0;
  free = 0;
  ones = 0;
  twos = 0;
  maxBlock = 0;
  maxFree = 0;
  /** The chain and the free run still open at `blocks`. */
  chain = 0;
  freeRun = 0;

  /** `count` FREE blocks. */
  addFree(count: number): void {
    if (count <= 0) return;
    this.endChain(this.chain);
    this.chain = 0;
    this.free += count;
    this.freeRun += count;
    this.blocks += count;
  }

  /** A piece summed up by pieceFigures, right after the blocks covered so far. */
  add(piece: PieceFigures): void {
    this.blocks += piece.blocks;
    this.used += piece.used;
    this.free += piece.free;
    this.ones += piece.ones;
    this.twos += piece.twos;
    if (piece.longest > this.maxBlock) this.maxBlock = piece.longest;
    if (piece.longestFree > this.maxFree) this.maxFree = piece.longestFree;
    if (piece.chainOut < 0) {
      this.chain += piece.leadTails;
    } else {
      this.endChain(this.chain + piece.leadTails);
      this.chain = piece.chainOut;
    }
    if (piece.freeOut < 0) {
      this.freeRun += piece.leadFree;
    } else {
      const ended = this.freeRun + piece.leadFree;
      if (ended > this.maxFree) this.maxFree = ended;
      this.freeRun = piece.freeOut;
    }
  }

  /** The figures of the map covered so far, then `freeAfter` FREE blocks, the area ending there. */
  figures(freeAfter: number): GcInfoCounts {
    const after = Math.max(0, freeAfter);
    // The area's end, or the first FREE block after, ends the chain still open.
    const chain = this.chain;
    return {
      blocks: this.blocks + after,
      used: this.used,
      free: this.free + after,
      oneBlocks: this.ones + (chain === 1 ? 1 : 0),
      twoBlocks: this.twos + (chain === 2 ? 1 : 0),
      maxBlock: Math.max(this.maxBlock, chain),
      maxFree: Math.max(this.maxFree, this.freeRun + after),
    };
  }

  private endChain(chain: number): void {
    if (chain === 1) this.ones++;
    else if (chain === 2) this.twos++;
    if (chain > this.maxBlock) this.maxBlock = chain;
  }
}

/** gc_info() of one area in blocks (GcInfoFigures before the block size is applied). */
export interface GcInfoCounts {
  blocks: number;
  used: number;
  free: number;
  oneBlocks: number;
  twoBlocks: number;
  maxBlock: number;
  maxFree: number;
}

/** Several areas' figures as gcInfoOfMaps gives them (chains and free runs end with each area). */
export function joinAreaFigures(areas: readonly GcInfoCounts[], blockSize: number): GcInfoFigures {
  let blocks = 0;
  let used = 0;
  let free = 0;
  let oneBlocks = 0;
  let twoBlocks = 0;
  let maxBlock = 0;
  let maxFree = 0;
  for (const a of areas) {
    blocks += a.blocks;
    used += a.used;
    free += a.free;
    oneBlocks += a.oneBlocks;
    twoBlocks += a.twoBlocks;
    maxBlock = Math.max(maxBlock, a.maxBlock);
    maxFree = Math.max(maxFree, a.maxFree);
  }
  return {
    total: blocks * blockSize,
    used: used * blockSize,
    free: free * blockSize,
    oneBlocks,
    twoBlocks,
    maxBlock,
    maxFree,
  };
}

// ── four blocks at a time ──────────────────────────────────────────────────────────────────
//
// A block's kind in two bits (as in gc.c's allocation table), and a pair of map characters'
// kinds in four, with a flag for a byte that is no map character. Four blocks' kinds index
// wordFigures: the PieceFigures of those four blocks packed in one number (W_* fields).

const FREE = 0;
const HEAD = 1;
const TAIL = 2;
const MARK = 3;
const NOT_A_MAP_CHAR = 0x1000;

const W_USED = 0; // 3 bits
const W_FREE = 3; // 3 bits
const W_LEAD_TAILS = 6; // 3 bits
const W_ONES = 9; // 2 bits
const W_TWOS = 11; // 2 bits
const W_LONGEST = 13; // 2 bits
const W_CHAIN_OUT = 15; // 3 bits
const W_HAS_HEAD = 18; // 1 bit: a HEAD or MARK
const W_LEAD_FREE = 19; // 3 bits
const W_LONGEST_FREE = 22; // 2 bits
const W_FREE_OUT = 24; // 3 bits

/** Four TAILs and four FREE blocks, as the 32-bit little-endian word of their characters. */
const TAILS_WORD = CH_TAIL * 0x01010101;
const FREE_WORD = CH_FREE * 0x01010101;

/** A character's kind, or NOT_A_MAP_CHAR. */
let charKind: Uint16Array | null = null;
/** Two characters' kinds (the first in the low bits), by their 16-bit little-endian value. */
let pairKinds: Uint16Array | null = null;
/** PieceFigures packed, by four blocks' kinds and by one block's kind. */
let wordFigures: Uint32Array | null = null;
let blockFigures: Uint32Array | null = null;

function kindOfChar(c: number): number {
  return c === CH_FREE ? FREE : c === CH_TAIL ? TAIL : c === CH_MARK ? MARK : HEAD;
}

/** The tables, built on first use (129 KiB; most commands never read a map). */
function buildTables(): void {
  charKind = new Uint16Array(256).fill(NOT_A_MAP_CHAR);
  for (const c of MAP_CHARS) charKind[c.charCodeAt(0)] = kindOfChar(c.charCodeAt(0));
  pairKinds = new Uint16Array(65536);
  for (let x = 0; x < 65536; x++) {
    const lo = charKind[x & 0xff];
    const hi = charKind[x >>> 8];
    pairKinds[x] = (lo | hi) & NOT_A_MAP_CHAR ? NOT_A_MAP_CHAR : lo | (hi << 2);
  }
  wordFigures = new Uint32Array(256);
  for (let k = 0; k < 256; k++) wordFigures[k] = packed([0, 1, 2, 3].map((j) => (k >>> (2 * j)) & 3));
  blockFigures = new Uint32Array(4);
  for (let k = 0; k < 4; k++) blockFigures[k] = packed([k]);
}

function packed(kinds: readonly number[]): number {
  const piece = new PieceFigures();
  pieceOfKinds(kinds, piece);
  return (
    (piece.used << W_USED) |
    (piece.free << W_FREE) |
    (piece.leadTails << W_LEAD_TAILS) |
    (piece.ones << W_ONES) |
    (piece.twos << W_TWOS) |
    (piece.longest << W_LONGEST) |
    (Math.max(piece.chainOut, 0) << W_CHAIN_OUT) |
    ((piece.freeOut >= 0 ? 1 : 0) << W_HAS_HEAD) |
    (piece.leadFree << W_LEAD_FREE) |
    (piece.longestFree << W_LONGEST_FREE) |
    (Math.max(piece.freeOut, 0) << W_FREE_OUT)
  );
}

/** PieceFigures block by block: the definition the packed tables are made from. */
function pieceOfKinds(kinds: readonly number[], out: PieceFigures): void {
  let used = 0;
  let free = 0;
  let ones = 0;
  let twos = 0;
  let longest = 0;
  let longestFree = 0;
  let leadTails = 0;
  let leadFree = 0;
  let chain = -RUN_SENTINEL;
  let freeRun = -RUN_SENTINEL;
  for (const k of kinds) {
    if (k === TAIL) {
      used++;
      chain++;
      continue;
    }
    if (chain < 0) leadTails = chain + RUN_SENTINEL;
    else {
      if (chain === 1) ones++;
      else if (chain === 2) twos++;
      if (chain > longest) longest = chain;
    }
    chain = 0;
    if (k === FREE) {
      free++;
      freeRun++;
      continue;
    }
    if (freeRun < 0) leadFree = freeRun + RUN_SENTINEL;
    else if (freeRun > longestFree) longestFree = freeRun;
    freeRun = 0;
    if (k === HEAD) {
      used++;
      chain = 1;
    }
  }
  finishPiece(
    out,
    kinds.length,
    used,
    free,
    ones,
    twos,
    longest,
    longestFree,
    chain,
    freeRun,
    leadTails,
    leadFree,
  );
}

/**
 * Stores a piece's figures in `out`. A chain or free run still below zero never met a block
 * that ended it: it holds the whole piece, and the sentinel comes off.
 */
function finishPiece(
  out: PieceFigures,
  blocks: number,
  used: number,
  free: number,
  ones: number,
  twos: number,
  longest: number,
  longestFree: number,
  chain: number,
  freeRun: number,
  leadTails: number,
  leadFree: number,
): void {
  out.blocks = blocks;
  out.used = used;
  out.free = free;
  out.ones = ones;
  out.twos = twos;
  out.longest = longest;
  out.longestFree = longestFree;
  if (chain < 0) {
    out.leadTails = chain + RUN_SENTINEL;
    out.chainOut = -1;
  } else {
    out.leadTails = leadTails;
    out.chainOut = chain;
  }
  if (freeRun < 0) {
    out.leadFree = freeRun + RUN_SENTINEL;
    out.freeOut = -1;
  } else {
    out.leadFree = leadFree;
    out.freeOut = freeRun;
  }
}

/**
 * Sums up the map characters at bytes [from, to) of `src` into `out`, and copies them, four to a
 * word, into `words` from `wordsAt` on, as little-endian 32-bit words ((to - from) / 4 of them).
 * False, with `out` untouched (`words` may hold some of them), when a byte is not a map
 * character exactly as gc.c prints it.
 * Four blocks are read at a time: a word of four TAILs or four FREE blocks takes a short path,
 * any other goes through wordFigures; the last one to three blocks go one by one.
 */
export function pieceFigures(
  src: DataView,
  from: number,
  to: number,
  out: PieceFigures,
  words: Uint32Array,
  wordsAt = 0,
): boolean {
  if (wordFigures === null) buildTables();
  const pairs = pairKinds as Uint16Array;
  const table = wordFigures as Uint32Array;
  const charKinds = charKind as Uint16Array;
  const blockTable = blockFigures as Uint32Array;
  let used = 0;
  let free = 0;
  let ones = 0;
  let twos = 0;
  let longest = 0;
  let longestFree = 0;
  let leadTails = 0;
  let leadFree = 0;
  let chain = -RUN_SENTINEL;
  let freeRun = -RUN_SENTINEL;
  let bad = 0;
  const whole = from + ((to - from) & ~3);
  let k = wordsAt;
  for (let i = from; i < to; ) {
    let e: number;
    if (i < whole) {
      // One read of four bytes (a DataView's is a single load once V8 has optimised it).
      const word = src.getUint32(i, true) | 0;
      const lo = word & 0xffff;
      const hi = word >>> 16;
      words[k++] = word;
      i += 4;
      if (word === TAILS_WORD) {
        used += 4;
        chain += 4;
        continue;
      }
      if (word === FREE_WORD) {
        if (chain < 0) leadTails = chain + RUN_SENTINEL;
        else {
          if (chain === 1) ones++;
          else if (chain === 2) twos++;
          if (chain > longest) longest = chain;
        }
        chain = 0;
        free += 4;
        freeRun += 4;
        continue;
      }
      const kinds = pairs[lo] | (pairs[hi] << 4);
      bad |= kinds;
      e = table[kinds & 0xff];
    } else {
      const kind = charKinds[src.getUint8(i++)];
      bad |= kind;
      if (kind === TAIL) {
        used++;
        chain++;
        continue;
      }
      e = blockTable[kind & 3];
    }
    // `e` holds at least one block that is not a TAIL: the chain coming in ends there.
    used += (e >>> W_USED) & 7;
    free += (e >>> W_FREE) & 7;
    const closing = chain + ((e >>> W_LEAD_TAILS) & 7);
    if (closing < 0) leadTails = closing + RUN_SENTINEL;
    else {
      if (closing === 1) ones++;
      else if (closing === 2) twos++;
      if (closing > longest) longest = closing;
    }
    ones += (e >>> W_ONES) & 3;
    twos += (e >>> W_TWOS) & 3;
    const inner = (e >>> W_LONGEST) & 3;
    if (inner > longest) longest = inner;
    chain = (e >>> W_CHAIN_OUT) & 7;
    // A free run still open after these blocks may be counted in part here: it only grows.
    const ended = freeRun + ((e >>> W_LEAD_FREE) & 7);
    if (ended > longestFree) longestFree = ended;
    const innerFree = (e >>> W_LONGEST_FREE) & 3;
    if (innerFree > longestFree) longestFree = innerFree;
    if ((e >>> W_HAS_HEAD) & 1) {
      if (ended < 0) leadFree = ended + RUN_SENTINEL;
      freeRun = (e >>> W_FREE_OUT) & 7;
    } else {
      freeRun = ended;
    }
  }
  if (bad & (NOT_A_MAP_CHAR | (NOT_A_MAP_CHAR << 4))) return false;
  finishPiece(
    out,
    to - from,
    used,
    free,
    ones,
    twos,
    longest,
    longestFree,
    chain,
    freeRun,
    leadTails,
    leadFree,
  );
  return true;
}
