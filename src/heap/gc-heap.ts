/**
 * MicroPython's garbage-collected heap (py/gc.c), block for block.
 *
 * The whole heap region lives in one byte array laid out exactly as gc_setup_area lays it out in
 * RAM: allocation table, gap byte, finaliser table, padding, pool. Objects hold real machine
 * words, so conservative marking, stale words after a shrink, and even gc.c's one-byte overread
 * of the finaliser table (see `sweepFinalisers`) behave as they do on a board.
 *
 * Nothing here allocates per block: the tables are typed arrays and the mark stack is fixed.
 */
import { CH_FREE, CH_MARK, CH_OTHER, CH_TAIL, type GcInfoFigures } from './block-map.js';
import { type HeapLayout, heapLayout, type LayoutOptions, type WordSize } from './layout.js';

export const AT_FREE = 0;
export const AT_HEAD = 1;
export const AT_TAIL = 2;
export const AT_MARK = 3;
export type BlockKind = 0 | 1 | 2 | 3;

/** `MICROPY_ALLOC_GC_STACK_SIZE`. */
export const MARK_STACK_SIZE = 64;

/** `gc_alloc_threshold` when `gc.threshold()` is off: `(size_t)-1`. */
export const THRESHOLD_OFF = Number.MAX_SAFE_INTEGER;

/**
 * Type objects live outside the heap (in flash on a board). Each sits on a 256-byte boundary, so
 * their low byte is 0, like the harness that produced the golden vectors.
 */
export const TYPE_ADDRESSES: Readonly<Record<string, number>> = {
  T: 0x0800_0100,
  L: 0x0800_0200,
  D: 0x0800_0300,
  S: 0x0800_0400,
  A: 0x0800_0500,
  F: 0x0800_0600,
  B: 0x0800_0700,
  M: 0x0800_0800,
  h: 0x0800_0900,
};
/**
 * The dump's letter for each type object, indexed by (address - TYPE_BASE) / 256; 0 where no
 * letter is known (gc.c prints `h`). Every type address above is in this 4 KiB window.
 */
const TYPE_BASE = 0x0800_0000;
const LETTER_BY_TYPE_SLOT = new Uint8Array(16);
for (const [letter, address] of Object.entries(TYPE_ADDRESSES)) {
  if (letter !== 'h') LETTER_BY_TYPE_SLOT[(address - TYPE_BASE) >>> 8] = letter.charCodeAt(0);
}

/** The dump character of a HEAD block whose word 0 is `low` + `high` * 2^32. */
function headLetter(low: number, high: number): number {
  const slot = (low - TYPE_BASE) >>> 0;
  if (high !== 0 || (slot & 0xff) !== 0 || slot >= 16 * 256) return CH_OTHER;
  return LETTER_BY_TYPE_SLOT[slot >>> 8] || CH_OTHER;
}

/**
 * gc_info over one ATB byte, by byte value (the rules of gcInfoOfMaps, block-map.ts: a TAIL
 * lengthens the chain and leaves the free run alone; any other block ends the chain; FREE
 * lengthens the free run; HEAD and MARK end it; HEAD starts a chain, counted as used with TAIL).
 * What depends on the chain and free run coming in is left to gcInfo(): the TAILs and FREE
 * blocks before the byte's first chain end and first HEAD or MARK. The rest is in the entry:
 */
const INFO_USED = 0; // HEAD and TAIL blocks
const INFO_FREE = 3; // FREE blocks
const INFO_LEADING_TAILS = 6; // TAILs before the first other block
const INFO_ONES = 9; // chains of one block that start and end inside the byte
const INFO_TWOS = 11; // ... of two blocks
const INFO_LONGEST = 13; // the longest chain that starts and ends inside the byte
const INFO_CHAIN_OUT = 16; // the chain still open at the byte's end
const INFO_HAS_HEAD = 19; // a HEAD or MARK in the byte
const INFO_LEADING_FREE = 20; // FREE blocks before the first HEAD or MARK
const INFO_INNER_FREE = 23; // the longest free run between two HEADs or MARKs in the byte
const INFO_FREE_OUT = 25; // FREE blocks after the last HEAD or MARK
const INFO_BYTE = new Uint32Array(256);
for (let a = 0; a < 256; a++) {
  const kinds = [0, 1, 2, 3].map((j) => (a >>> (j << 1)) & 3);
  let used = 0;
  let frees = 0;
  let leadingTails = 0;
  while (leadingTails < 4 && kinds[leadingTails] === AT_TAIL) leadingTails++;
  let ones = 0;
  let twos = 0;
  let longest = 0;
  let chain = 0;
  let hasHead = 0;
  let leadingFree = 0;
  let innerFree = 0;
  let freeRun = 0;
  kinds.forEach((k, j) => {
    if (k === AT_HEAD || k === AT_TAIL) used++;
    if (k === AT_TAIL) {
      chain++;
      return;
    }
    // The first non-TAIL ends the chain coming in, which gcInfo() counts; later ones end ours.
    if (j > leadingTails && chain !== 0) {
      if (chain === 1) ones++;
      else if (chain === 2) twos++;
      longest = Math.max(longest, chain);
    }
    chain = 0;
    if (k === AT_FREE) {
      frees++;
      freeRun++;
      return;
    }
    if (hasHead) innerFree = Math.max(innerFree, freeRun);
    else leadingFree = freeRun;
    hasHead = 1;
    freeRun = 0;
    if (k === AT_HEAD) chain = 1;
  });
  INFO_BYTE[a] =
    (used << INFO_USED) |
    (frees << INFO_FREE) |
    (Math.min(leadingTails, 7) << INFO_LEADING_TAILS) |
    (ones << INFO_ONES) |
    (twos << INFO_TWOS) |
    (longest << INFO_LONGEST) |
    (chain << INFO_CHAIN_OUT) |
    (hasHead << INFO_HAS_HEAD) |
    (leadingFree << INFO_LEADING_FREE) |
    (innerFree << INFO_INNER_FREE) |
    ((hasHead ? freeRun : 0) << INFO_FREE_OUT);
}

/** The map characters of an ATB byte's four blocks (a HEAD's letter is filled in after). */
const CHARS_OF_BYTE = new Uint8Array(1024);
/** Which of an ATB byte's four blocks are HEADs, as bits. */
const HEADS_OF_BYTE = new Uint8Array(256);
for (let a = 0; a < 256; a++) {
  for (let j = 0; j < 4; j++) {
    const k = (a >>> (j << 1)) & 3;
    CHARS_OF_BYTE[(a << 2) + j] =
      k === AT_FREE ? CH_FREE : k === AT_TAIL ? CH_TAIL : k === AT_MARK ? CH_MARK : CH_OTHER;
    if (k === AT_HEAD) HEADS_OF_BYTE[a] |= 1 << j;
  }
}

/**
 * First fit inside one ATB byte that holds both FREE and other blocks, by byte value: bits 0-2
 * the FREE blocks it starts with; bits 4n to 4n+2 (n = 1, 2, 3) the position of its first later
 * run of at least n FREE blocks, or 0 (a later run never starts at 0); bits 16-18 the FREE
 * blocks it ends with.
 */
const FREE_RUNS = new Uint32Array(256);
for (let a = 0; a < 256; a++) {
  const free = (j: number) => ((a >>> (j << 1)) & 3) === AT_FREE;
  let leading = 0;
  while (leading < 4 && free(leading)) leading++;
  let trailing = 0;
  while (trailing < 4 && free(3 - trailing)) trailing++;
  let entry = leading | (trailing << 16);
  for (let n = 1; n <= 3; n++) {
    for (let start = leading + 1; start < 4; start++) {
      if (!free(start) || free(start - 1)) continue;
      let length = 0;
      while (start + length < 4 && free(start + length)) length++;
      if (length >= n) {
        entry |= start << (4 * n);
        break;
      }
    }
  }
  FREE_RUNS[a] = entry;
}

/**
 * gc_sweep_free_blocks over one ATB byte at a time: entry (freeTail << 8 | byte) packs the
 * byte after the sweep (bits 0-7), freeTail after it (bit 8), 1 + the last position still in
 * use or 0 (bits 9-11), and which positions held an unmarked HEAD that was freed (bits 12-15).
 */
const SWEEP_BYTE = new Uint16Array(512);
for (let freeTailIn = 0; freeTailIn < 2; freeTailIn++) {
  for (let a = 0; a < 256; a++) {
    let out = a;
    let freeTail = freeTailIn;
    let used = 0;
    let freed = 0;
    for (let j = 0; j < 4; j++) {
      const shift = j << 1;
      switch ((a >>> shift) & 3) {
        case AT_HEAD:
          freeTail = 1;
          out &= ~(3 << shift);
          freed |= 1 << j;
          break;
        case AT_TAIL:
          if (freeTail) out &= ~(3 << shift);
          else used = j + 1;
          break;
        case AT_MARK:
          out &= ~(AT_TAIL << shift);
          freeTail = 0;
          used = j + 1;
          break;
      }
    }
    SWEEP_BYTE[(freeTailIn << 8) | a] = out | (freeTail << 8) | (used << 9) | (freed << 12);
  }
}

/** Where the model's heap region starts unless told otherwise (a typical Cortex-M SRAM base). */
export const DEFAULT_HEAP_BASE = 0x2000_0000;

export interface GcHeapOptions extends LayoutOptions {
  /** Heap region size in bytes, as passed to gc_init(start, start + bytes). */
  bytes: number;
  /** Region start address; must be a multiple of 4096 to match the golden vectors' placement. */
  base?: number;
}

/** Callbacks through which a host (a trace, a runtime) takes part in a collection. */
export interface CollectHooks {
  /** Root pointers for this collection (the port's gc_collect scans these). */
  roots?: () => Iterable<number>;
  /** gc_sweep_run_finalisers looked up `__del__` on the object at this address. */
  finaliserLookup?: (address: number, block: number) => void;
  /** The sweep freed the object whose head was this block. */
  freed?: (block: number) => void;
}

export interface HeapCounters {
  collections: number;
  failedAllocations: number;
  allocations: number;
}

export class GcHeap {
  readonly layout: HeapLayout;
  readonly wordSize: WordSize;
  readonly blockSize: number;
  readonly blocks: number;
  /** Address of the region start (the ATB). */
  readonly base: number;
  /** Address of block 0. */
  readonly poolAddress: number;
  /** Address one past the last block. */
  readonly poolEndAddress: number;

  /** The region plus slack after its end that reads as zero (gc.c reads there in one quirk). */
  readonly mem: Uint8Array;
  private readonly words32: Uint32Array;
  private readonly ftbStart: number;
  private readonly poolStart: number;
  private readonly wordsPerBlock32: number;
  private readonly blockShift: number;

  /** `gc_last_free_atb_index`: ATB byte where the next search starts. */
  lastFreeAtbIndex = 0;
  /** `gc_last_used_block`: an upper bound on the last used block, made exact by the sweep. */
  lastUsedBlock = 0;
  /** `gc_alloc_amount`, in blocks, since the last collection. */
  allocAmount = 0;
  /** `gc_alloc_threshold`, in blocks. */
  allocThreshold = THRESHOLD_OFF;
  /** `gc.enable()` / `gc.disable()`. */
  autoCollect = true;
  /** `gc_lock_depth` (heap_lock). */
  lockDepth = 0;

  hooks: CollectHooks = {};
  readonly counters: HeapCounters = { collections: 0, failedAllocations: 0, allocations: 0 };

  private readonly markStack = new Int32Array(MARK_STACK_SIZE);
  /** One bit per block: marked while the mark stack was full, its words not scanned yet. */
  private readonly unscanned: Int32Array;
  /**
   * Pointers a C caller holds in registers or on its stack while gc.c runs (realloc's own object
   * while it allocates the new copy). The port's stack scan would find them; they are roots here.
   */
  private readonly pinned: number[] = [];
  private stackOverflow = false;

  constructor(opts: GcHeapOptions) {
    const base = opts.base ?? DEFAULT_HEAP_BASE;
    this.layout = heapLayout(base, base + opts.bytes, opts);
    this.wordSize = opts.wordSize;
    this.blockSize = this.layout.blockSize;
    this.blocks = this.layout.blocks;
    this.base = base;
    this.poolAddress = base + this.layout.poolOffset;
    this.poolEndAddress = this.poolAddress + this.layout.poolBytes;
    this.ftbStart = this.layout.ftbOffset;
    this.poolStart = this.layout.poolOffset;
    // Room for the region, the bytes gc_init rounded away, and eight blocks past the end.
    const size = Math.ceil((Math.max(opts.bytes, this.layout.regionBytes) + 8 * this.blockSize + 8) / 8) * 8;
    this.mem = new Uint8Array(size);
    this.words32 = new Uint32Array(this.mem.buffer);
    this.wordsPerBlock32 = this.blockSize >>> 2;
    this.blockShift = 31 - Math.clz32(this.blockSize);
    this.unscanned = new Int32Array(Math.ceil(this.blocks / 32));
  }

  // ---------------------------------------------------------------- tables

  kind(block: number): BlockKind {
    return ((this.mem[block >>> 2] >>> ((block & 3) << 1)) & 3) as BlockKind;
  }

  /** Set a block's ATB state directly (used to load a decoded map into the model). */
  setKind(block: number, kind: BlockKind): void {
    const i = block >>> 2;
    const shift = (block & 3) << 1;
    this.mem[i] = (this.mem[i] & ~(3 << shift)) | (kind << shift);
  }

  hasFinaliser(block: number): boolean {
    return ((this.mem[this.ftbStart + (block >>> 3)] >>> (block & 7)) & 1) === 1;
  }

  private ftbSet(block: number): void {
    this.mem[this.ftbStart + (block >>> 3)] |= 1 << (block & 7);
  }

  private ftbClear(block: number): void {
    this.mem[this.ftbStart + (block >>> 3)] &= ~(1 << (block & 7));
  }

  // ---------------------------------------------------------------- addresses and words

  addressOf(block: number): number {
    return this.poolAddress + block * this.blockSize;
  }

  /** VERIFY_PTR: block aligned and inside the pool. Returns the block, or -1. */
  blockOf(address: number): number {
    if (address < this.poolAddress || address >= this.poolEndAddress) return -1;
    // The pool is smaller than 2^31 bytes, so the offset is a small integer here.
    const off = address - this.poolAddress;
    return (off & (this.blockSize - 1)) === 0 ? off >>> this.blockShift : -1;
  }

  /** Index into words32 of the first 32-bit half of a pool word, from a region byte offset. */
  private word32Index(address: number): number {
    return (address - this.base) >>> 2;
  }

  /** Read machine word `index` of the object at `address`. Values above 2^53 are not produced. */
  readWord(address: number, index: number): number {
    const i = this.word32Index(address) + index * (this.wordSize >>> 2);
    if (this.wordSize === 4) return this.words32[i];
    return this.words32[i] + this.words32[i + 1] * 0x1_0000_0000;
  }

  writeWord(address: number, index: number, value: number): void {
    const i = this.word32Index(address) + index * (this.wordSize >>> 2);
    if (this.wordSize === 4) {
      this.words32[i] = value >>> 0;
    } else {
      this.words32[i] = value >>> 0;
      this.words32[i + 1] = Math.floor(value / 0x1_0000_0000) >>> 0;
    }
  }

  private zeroBlocks(block: number, count: number): void {
    // Most objects are a few blocks: word stores beat the call into fill() up to about 16.
    if (count <= 16) {
      const w = this.words32;
      const from = (this.poolStart >>> 2) + block * this.wordsPerBlock32;
      const to = from + count * this.wordsPerBlock32;
      for (let i = from; i < to; i++) w[i] = 0;
      return;
    }
    const from = this.poolStart + block * this.blockSize;
    this.mem.fill(0, from, from + count * this.blockSize);
  }

  // ---------------------------------------------------------------- object queries

  /** Number of blocks in the chain starting at a HEAD (or MARK) block. */
  chainLength(block: number): number {
    let n = 1;
    while (this.kind(block + n) === AT_TAIL) n++;
    return n;
  }

  /** gc_nbytes: the object's size in bytes if `address` is exactly a HEAD block, else 0. */
  nbytes(address: number): number {
    const block = this.blockOf(address);
    if (block < 0 || this.kind(block) !== AT_HEAD) return 0;
    return this.chainLength(block) * this.blockSize;
  }

  /** Blocks needed for `nbytes`, with gc.c's size_t arithmetic for negative (wrapped) requests. */
  blocksFor(nbytes: number): number {
    if (nbytes >= 0) return Math.ceil(nbytes / this.blockSize);
    // size_t wrap: a small negative rounds up past zero to 0 blocks; anything else is enormous.
    return nbytes + this.blockSize - 1 >= 0 ? 0 : Number.POSITIVE_INFINITY;
  }

  /**
   * gc_alloc's search without side effects: the first run of `n` FREE blocks starting at the
   * last-free index. Returns its first block, or -1.
   */
  findFreeRun(n: number): number {
    if (!(n > 0) || n > this.blocks) return -1;
    const mem = this.mem;
    const words = this.words32;
    const atbBytes = this.layout.atbBytes;
    let run = 0;
    for (let i = this.lastFreeAtbIndex; i < atbBytes; i++) {
      const a = mem[i];
      if (a === 0) {
        // Four free blocks: the run may complete inside this byte.
        if (run + 4 >= n) return i * 4 - run;
        run += 4;
        continue;
      }
      // No FREE field at all: the run breaks without looking at each block, and whole 32-bit
      // words of such bytes after it are skipped (the ATB starts the buffer, so they align).
      if (((a | (a >>> 1)) & 0x55) === 0x55) {
        run = 0;
        while ((i & 3) === 3 && i + 4 < atbBytes) {
          const x = words[(i + 1) >>> 2];
          if (((x | (x >>> 1)) & 0x5555_5555) !== 0x5555_5555) break;
          i += 4;
        }
        continue;
      }
      // A byte with FREE and other blocks: the run that ends in it may complete with its
      // leading FREE blocks; else the first later run in it that is long enough; else the run
      // carried on is its trailing FREE blocks. The table holds each of these per byte value.
      const free = FREE_RUNS[a];
      if (run + (free & 7) >= n) return i * 4 - run;
      if (n <= 3) {
        const at = (free >>> (4 * n)) & 7;
        if (at !== 0) return i * 4 + at;
      }
      run = (free >>> 16) & 7;
    }
    return -1;
  }

  // ---------------------------------------------------------------- gc_alloc / gc_free / gc_realloc

  /** gc_alloc(nbytes, flags): the object's address, or 0 (NULL). */
  alloc(nbytes: number, opts: { finaliser?: boolean } = {}): number {
    const n = this.blocksFor(nbytes);
    if (n === 0 || this.lockDepth > 0) return 0;

    let collected = !this.autoCollect;
    if (!collected && this.allocAmount >= this.allocThreshold) {
      this.collect();
      collected = true;
    }

    let start: number;
    for (;;) {
      start = this.findFreeRun(n);
      if (start >= 0) break;
      if (collected) {
        this.counters.failedAllocations++;
        return 0;
      }
      this.collect();
      collected = true;
    }

    const end = start + n - 1;
    // Only a 1-block search proves there is nothing free before the block found.
    if (n === 1) this.lastFreeAtbIndex = (end + 1) >>> 2;
    this.setKind(start, AT_HEAD);
    for (let b = start + 1; b <= end; b++) this.setKind(b, AT_TAIL);
    if (end > this.lastUsedBlock) this.lastUsedBlock = end;
    this.allocAmount += n;
    this.counters.allocations++;
    // MICROPY_GC_CONSERVATIVE_CLEAR: the whole allocation is zeroed.
    this.zeroBlocks(start, n);
    if (opts.finaliser) this.ftbSet(start);
    return this.addressOf(start);
  }

  /** gc_free(p): never runs a finaliser, only clears its bit. */
  free(address: number): void {
    if (this.lockDepth > 0 || address === 0) return;
    const block = this.blockOf(address);
    if (block < 0 || this.kind(block) !== AT_HEAD) {
      throw new Error(`gc_free: 0x${address.toString(16)} is not the start of an object`);
    }
    this.ftbClear(block);
    if (block >>> 2 < this.lastFreeAtbIndex) this.lastFreeAtbIndex = block >>> 2;
    let b = block;
    do {
      this.setKind(b, AT_FREE);
      b++;
    } while (this.kind(b) === AT_TAIL);
  }

  /** gc_realloc(p, nbytes, allow_move): the new address, or 0 (NULL) when it cannot. */
  realloc(address: number, nbytes: number, allowMove: boolean): number {
    if (address === 0) return this.alloc(nbytes);
    if (nbytes === 0) {
      this.free(address);
      return 0;
    }
    if (this.lockDepth > 0) return 0;
    const block = this.blockOf(address);
    if (block < 0 || this.kind(block) !== AT_HEAD) {
      throw new Error(`gc_realloc: 0x${address.toString(16)} is not the start of an object`);
    }
    const newBlocks = this.blocksFor(nbytes);

    // Count the chain, then the free blocks after it, stopping once there are enough.
    let nBlocks = 1;
    let nFree = 0;
    for (let b = block + 1; b < this.blocks; b++) {
      const k = this.kind(b);
      if (k === AT_TAIL) {
        nBlocks++;
        continue;
      }
      if (k === AT_FREE) {
        nFree++;
        if (nBlocks + nFree >= newBlocks) break;
        continue;
      }
      break;
    }

    if (newBlocks === nBlocks) return address;

    if (newBlocks < nBlocks) {
      for (let b = block + newBlocks; b < block + nBlocks; b++) this.setKind(b, AT_FREE);
      const idx = (block + newBlocks) >>> 2;
      if (idx < this.lastFreeAtbIndex) this.lastFreeAtbIndex = idx;
      return address;
    }

    if (newBlocks <= nBlocks + nFree) {
      const end = block + newBlocks;
      for (let b = block + nBlocks; b < end; b++) this.setKind(b, AT_TAIL);
      // gc.c stores the exclusive end here (gc_alloc stores the inclusive one): one past the
      // object. Kept as is; the finaliser sweep's overread depends on it.
      if (end > this.lastUsedBlock) this.lastUsedBlock = end;
      this.zeroBlocks(block + nBlocks, newBlocks - nBlocks);
      return address;
    }

    const hadFinaliser = this.hasFinaliser(block);
    if (!allowMove) return 0;
    this.pinned.push(address);
    let moved: number;
    try {
      moved = this.alloc(nbytes, { finaliser: hadFinaliser });
    } finally {
      this.pinned.pop();
    }
    if (moved === 0) return 0;
    // The whole old block span is copied, slack included.
    const from = this.poolStart + block * this.blockSize;
    this.mem.copyWithin(
      this.poolStart + this.blockOf(moved) * this.blockSize,
      from,
      from + nBlocks * this.blockSize,
    );
    this.free(address);
    return moved;
  }

  // ---------------------------------------------------------------- collection

  /** gc.threshold(bytes): negative turns it off; otherwise stored in whole blocks. */
  setThresholdBytes(bytes: number): void {
    this.allocThreshold = bytes < 0 ? THRESHOLD_OFF : Math.floor(bytes / this.blockSize);
  }

  /** gc.threshold() as MicroPython reads it back: -1 when off, else blocks × block size. */
  thresholdBytes(): number {
    return this.allocThreshold === THRESHOLD_OFF ? -1 : this.allocThreshold * this.blockSize;
  }

  /**
   * The port's gc_collect(): gc_collect_start, mark every root pointer (the hooks' roots and what
   * a running realloc pins), gc_collect_end (overflow rescan, finaliser pass, free pass).
   */
  collect(): void {
    this.counters.collections++;
    this.lockDepth++;
    this.allocAmount = 0;
    this.stackOverflow = false;
    this.unscanned.fill(0);
    const roots = this.hooks.roots?.();
    if (roots) for (const p of roots) this.markRoot(p);
    for (const p of this.pinned) this.markRoot(p);
    this.dealWithStackOverflow();
    this.sweepFinalisers();
    this.sweepFree();
    this.lastFreeAtbIndex = 0;
    this.lockDepth--;
  }

  /** gc_mark: a root keeps an object only if it is exactly the address of an unmarked HEAD. */
  private markRoot(address: number): void {
    const block = this.blockOf(address);
    if (block >= 0 && this.kind(block) === AT_HEAD) {
      this.setKind(block, AT_MARK);
      this.markSubtree(block);
    }
  }

  /**
   * gc_mark_subtree: scan every word of the object, mark each unmarked HEAD it points at and push
   * it on the 64-entry stack; when the stack is full, mark without pushing and flag an overflow.
   * A block marked without a push is also noted in `unscanned`, for the overflow rescan.
   */
  private markSubtree(first: number): void {
    // Hot loop: everything it touches is held in locals and ATB lookups are inlined; what only
    // an overflow needs is read from `this` there, to keep the loop's live values few (in a
    // standalone test, two more of them doubled the time of a full-heap mark).
    const mem = this.mem;
    const w = this.words32;
    const stack = this.markStack;
    const poolAddr = this.poolAddress;
    const poolBytes = this.poolEndAddress - poolAddr;
    const bsMask = this.blockSize - 1;
    const bsShift = this.blockShift;
    const poolStart = this.poolStart;
    // 32-bit words per machine word: a 64-bit word is the low half, then the high half.
    const step = this.wordSize >>> 2;
    // gc.c's 64-entry stack: its top entry lives in `top` (-1 when that slot is empty) and the
    // `sp` entries below it in `stack`, so the common push-then-pop never goes through memory.
    let sp = 0;
    let top = -1;
    let block = first;
    for (;;) {
      // The chain: the head plus every TAIL after it.
      let n = 1;
      while (((mem[(block + n) >>> 2] >>> (((block + n) & 3) << 1)) & 3) === AT_TAIL) n++;
      const end = (poolStart + ((block + n) << bsShift)) >>> 2;
      for (let i = (poolStart + (block << bsShift)) >>> 2; i < end; i += step) {
        // VERIFY_PTR as one unsigned comparison: below the pool wraps to a huge offset.
        const off = (w[i] - poolAddr) >>> 0;
        if (off >= poolBytes || (off & bsMask) !== 0) continue;
        // A 64-bit word is a heap pointer only if its high half is zero.
        if (step === 2 && w[i + 1] !== 0) continue;
        const child = off >>> bsShift;
        const byte = child >>> 2;
        const shift = (child & 3) << 1;
        const a = mem[byte];
        if (((a >>> shift) & 3) !== AT_HEAD) continue;
        mem[byte] = a | (AT_MARK << shift);
        if ((top < 0 ? sp : sp + 1) < MARK_STACK_SIZE) {
          if (top >= 0) stack[sp++] = top;
          top = child;
        } else {
          this.unscanned[child >>> 5] |= 1 << (child & 31);
          this.stackOverflow = true;
        }
      }
      // Pop the most recent push: gc.c's LIFO order exactly.
      if (top >= 0) {
        block = top;
        top = -1;
      } else if (sp > 0) {
        block = stack[--sp];
      } else {
        break;
      }
    }
  }

  /**
   * gc_deal_with_stack_overflow: while the last pass overflowed, walk the heap in block order and
   * run gc_mark_subtree on every MARK block. gc.c calls it on all of them; on a block whose words
   * were already scanned that call marks nothing, pushes nothing and cannot overflow (marks only
   * grow during a collection and memory does not change), so here only the blocks marked without
   * a push are visited: the same calls that do anything, in the same order, in the same passes.
   * A block noted behind the walk waits for the next pass, as it does in gc.c.
   */
  private dealWithStackOverflow(): void {
    const unscanned = this.unscanned;
    const words = unscanned.length;
    while (this.stackOverflow) {
      this.stackOverflow = false;
      for (let i = 0; i < words; i++) {
        // Only bits after the walk's position in this word still belong to this pass.
        let ahead = -1;
        for (;;) {
          const bits = unscanned[i] & ahead;
          if (bits === 0) break;
          const lowest = bits & -bits;
          const bit = 31 - Math.clz32(lowest);
          unscanned[i] ^= lowest;
          ahead = bit === 31 ? 0 : -1 << (bit + 1);
          this.markSubtree((i << 5) | bit);
        }
      }
    }
  }

  /**
   * gc_sweep_run_finalisers (v1.25+): walk the FTB up to gc_last_used_block inclusive. For every
   * unmarked HEAD with its bit set, look up __del__ if word 0 (the type) is non-NULL, then clear
   * the bit. When realloc left gc_last_used_block one past the last block, this reads one byte
   * past the FTB, exactly as gc.c does; the byte array layout reproduces what that byte is.
   */
  private sweepFinalisers(): void {
    const mem = this.mem;
    const lastIndex = Math.floor(this.lastUsedBlock / 8);
    for (let idx = 0; idx <= lastIndex; idx++) {
      let bits = mem[this.ftbStart + idx];
      let block = idx * 8;
      while (bits) {
        if (bits & 1 && this.kind(block) === AT_HEAD) {
          const address = this.addressOf(block);
          if (this.readWord(address, 0) !== 0) this.hooks.finaliserLookup?.(address, block);
          this.ftbClear(block);
        }
        bits >>>= 1;
        block++;
      }
    }
  }

  /**
   * gc_sweep_free_blocks: free unmarked chains, turn MARK back into HEAD, recompute the bound.
   * Blocks 0 to gc_last_used_block inclusive, as gc.c; whole ATB bytes go through SWEEP_BYTE.
   */
  private sweepFree(): void {
    const mem = this.mem;
    const end = this.lastUsedBlock < this.blocks ? this.lastUsedBlock + 1 : this.blocks;
    const freed = this.hooks.freed;
    const wholeBytes = end >>> 2;
    let freeTail = 0;
    let lastUsed = 0;
    for (let i = 0; i < wholeBytes; i++) {
      const a = mem[i];
      // Four FREE blocks: nothing changes, not even freeTail.
      if (a === 0) continue;
      const e = SWEEP_BYTE[(freeTail << 8) | a];
      mem[i] = e & 0xff;
      freeTail = (e >>> 8) & 1;
      const used = (e >>> 9) & 7;
      if (used !== 0) lastUsed = (i << 2) + used - 1;
      if (e >= 0x1000 && freed) {
        for (let j = 0; j < 4; j++) if ((e >>> (12 + j)) & 1) freed((i << 2) + j);
      }
    }
    // The blocks of a last, partial byte one by one: gc.c stops at gc_last_used_block.
    for (let b = wholeBytes << 2; b < end; b++) {
      const i = b >>> 2;
      const shift = (b & 3) << 1;
      const a = mem[i];
      switch ((a >>> shift) & 3) {
        case AT_HEAD:
          freeTail = 1;
          mem[i] = a & ~(3 << shift);
          freed?.(b);
          break;
        case AT_TAIL:
          if (freeTail) mem[i] = a & ~(3 << shift);
          else lastUsed = b;
          break;
        case AT_MARK:
          mem[i] = a & ~(AT_TAIL << shift);
          freeTail = 0;
          lastUsed = b;
          break;
      }
    }
    this.lastUsedBlock = lastUsed;
  }

  // ---------------------------------------------------------------- what mem_info shows

  /** The character `mem_info(1)` prints for a block. */
  charOf(block: number): number {
    switch (this.kind(block)) {
      case AT_FREE:
        return CH_FREE;
      case AT_TAIL:
        return CH_TAIL;
      case AT_MARK:
        return CH_MARK;
      default:
        return this.headLetterOf(block);
    }
  }

  private headLetterOf(block: number): number {
    const i = (this.poolStart >>> 2) + block * this.wordsPerBlock32;
    return headLetter(this.words32[i], this.wordSize === 8 ? this.words32[i + 1] : 0);
  }

  /** The heap as a block map: one character code per block (see block-map.ts). */
  blockMap(): Uint8Array {
    const map = new Uint8Array(this.blocks).fill(CH_FREE);
    const mem = this.mem;
    const atbBytes = this.layout.atbBytes;
    for (let i = 0; i < atbBytes; i++) {
      const a = mem[i];
      if (a === 0) continue;
      const b = i << 2;
      if (a === 0xaa) {
        map[b] = map[b + 1] = map[b + 2] = map[b + 3] = CH_TAIL;
        continue;
      }
      // The four characters by table; a HEAD's letter then comes from its first word.
      const c = a << 2;
      map[b] = CHARS_OF_BYTE[c];
      map[b + 1] = CHARS_OF_BYTE[c + 1];
      map[b + 2] = CHARS_OF_BYTE[c + 2];
      map[b + 3] = CHARS_OF_BYTE[c + 3];
      for (let heads = HEADS_OF_BYTE[a]; heads !== 0; heads &= heads - 1) {
        const j = 31 - Math.clz32(heads & -heads);
        map[b + j] = this.headLetterOf(b + j);
      }
    }
    return map;
  }

  /**
   * gc_info() read straight from the ATB: the figures gcInfoOfMaps gives for blockMap(), without
   * building the map (a MARK, which exists only inside a collection, counts as it does there).
   * A byte of four TAILs only lengthens the chain; any other goes through INFO_BYTE.
   */
  gcInfo(): GcInfoFigures {
    const mem = this.mem;
    const atbBytes = this.layout.atbBytes;
    let used = 0;
    let free = 0;
    let oneBlocks = 0;
    let twoBlocks = 0;
    let maxBlock = 0;
    let maxFree = 0;
    let chain = 0;
    let freeRun = 0;
    for (let i = 0; i < atbBytes; i++) {
      const a = mem[i];
      if (a === 0xaa) {
        used += 4;
        chain += 4;
        continue;
      }
      const e = INFO_BYTE[a];
      used += (e >>> INFO_USED) & 7;
      const frees = (e >>> INFO_FREE) & 7;
      free += frees;
      // The chain coming in ends at the byte's first block that is not a TAIL.
      const closing = chain + ((e >>> INFO_LEADING_TAILS) & 7);
      if (closing === 1) oneBlocks++;
      else if (closing === 2) twoBlocks++;
      if (closing > maxBlock) maxBlock = closing;
      oneBlocks += (e >>> INFO_ONES) & 3;
      twoBlocks += (e >>> INFO_TWOS) & 3;
      const longest = (e >>> INFO_LONGEST) & 7;
      if (longest > maxBlock) maxBlock = longest;
      chain = (e >>> INFO_CHAIN_OUT) & 7;
      // The free run coming in ends at the byte's first HEAD or MARK, if it has one.
      if ((e >>> INFO_HAS_HEAD) & 1) {
        const ended = freeRun + ((e >>> INFO_LEADING_FREE) & 7);
        if (ended > maxFree) maxFree = ended;
        const inner = (e >>> INFO_INNER_FREE) & 3;
        if (inner > maxFree) maxFree = inner;
        freeRun = (e >>> INFO_FREE_OUT) & 7;
      } else {
        freeRun += frees;
      }
    }
    if (chain === 1) oneBlocks++;
    else if (chain === 2) twoBlocks++;
    if (chain > maxBlock) maxBlock = chain;
    if (freeRun > maxFree) maxFree = freeRun;
    const bs = this.blockSize;
    return {
      total: this.blocks * bs,
      used: used * bs,
      free: free * bs,
      oneBlocks,
      twoBlocks,
      maxBlock,
      maxFree,
    };
  }

  /** `%p` of the pool start, as gc_dump_alloc_table prints it. */
  baseText(): string {
    return this.poolAddress.toString(16);
  }
}
