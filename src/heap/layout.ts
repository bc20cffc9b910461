/**
 * The arithmetic of gc.c's `gc_init` / `gc_setup_area`: how a region of RAM is split into the
 * allocation table (ATB), the gap byte, the finaliser table (FTB), an optional weakref table (WTB)
 * and the pool of blocks. `GC: total` in `mem_info()` is the pool size computed here.
 */

export type WordSize = 4 | 8;

/** Which generation of gc.c's table layout to reproduce. */
export interface LayoutOptions {
  /** Bytes per machine word; the block size defaults to 4 words (16 or 32 bytes). */
  wordSize: WordSize;
  /** Override `MICROPY_BYTES_PER_GC_BLOCK` (no port does, but 16-bit and nan-boxing builds differ). */
  blockSize?: number;
  /** `ALLOC_TABLE_GAP_BYTE`, added in v1.20. Older releases divide T, not T - 1. */
  gapByte?: boolean;
  /** `MICROPY_ENABLE_FINALISER` (on in every real port). */
  finaliser?: boolean;
  /** `MICROPY_PY_WEAKREF` (v1.28+): one more bit per block. */
  weakref?: boolean;
}

export interface HeapLayout {
  wordSize: WordSize;
  blockSize: number;
  /** Region start address as given to gc_init. */
  start: number;
  /** Region end after gc_init rounds it down to a block boundary. */
  end: number;
  /** T in gc.c: end - start, in bytes. */
  regionBytes: number;
  atbBytes: number;
  gapBytes: number;
  ftbBytes: number;
  wtbBytes: number;
  /** Offsets from `start`. */
  ftbOffset: number;
  wtbOffset: number;
  poolOffset: number;
  /** Bytes between the last table and the pool (the pool is flush with the end). */
  paddingBytes: number;
  blocks: number;
  /** `GC: total`: blocks × block size. */
  poolBytes: number;
}

export function blockSizeOf(opts: LayoutOptions): number {
  return opts.blockSize ?? opts.wordSize * 4;
}

/**
 * What gc_init spends besides the pool: the gap byte after the ATB, and the bits of table each ATB
 * byte brings along (T = A + F + W + P with F = W = A*4/8 and P = A*4*blockSize, counted in bits
 * to avoid fractions).
 */
function tableCosts(opts: LayoutOptions, blockSize: number) {
  const finaliser = opts.finaliser !== false;
  const weakref = opts.weakref === true;
  const tableBitsPerAtbByte = 8 + (finaliser ? 4 : 0) + (weakref ? 4 : 0) + 8 * 4 * blockSize;
  return { gapBytes: opts.gapByte === false ? 0 : 1, tableBitsPerAtbByte, finaliser, weakref };
}

/** Lay out a heap region [start, end) exactly as gc_init does (addresses may be any integers). */
export function heapLayout(start: number, end: number, opts: LayoutOptions): HeapLayout {
  const blockSize = blockSizeOf(opts);
  const { gapBytes, tableBitsPerAtbByte, finaliser, weakref } = tableCosts(opts, blockSize);
  // gc_init aligns only the end; the start stays where the linker put it.
  const alignedEnd = end - (((end % blockSize) + blockSize) % blockSize);
  const regionBytes = Math.max(0, alignedEnd - start);
  const usable = regionBytes - gapBytes;
  const atbBytes = usable > 0 ? Math.floor((usable * 8) / tableBitsPerAtbByte) : 0;
  const blocks = atbBytes * 4;
  const ftbBytes = finaliser ? Math.ceil(blocks / 8) : 0;
  const wtbBytes = weakref ? Math.ceil(blocks / 8) : 0;
  const ftbOffset = atbBytes + gapBytes;
  const wtbOffset = ftbOffset + ftbBytes;
  const poolBytes = blocks * blockSize;
  const poolOffset = regionBytes - poolBytes;
  return {
    wordSize: opts.wordSize,
    blockSize,
    start,
    end: start + regionBytes,
    regionBytes,
    atbBytes,
    gapBytes,
    ftbBytes,
    wtbBytes,
    ftbOffset,
    wtbOffset,
    poolOffset,
    paddingBytes: poolOffset - (wtbOffset + wtbBytes),
    blocks,
    poolBytes,
  };
}

/** `GC: total` that MicroPython prints for a heap region of `bytes` bytes. */
export function gcTotalFor(bytes: number, opts: LayoutOptions): number {
  return heapLayout(0, bytes, opts).poolBytes;
}

/**
 * The smallest region whose pool is at least `poolBytes` (gc_init's arithmetic run backwards):
 * what to give an engine so that `GC: total` says what a board's firmware prints.
 */
export function regionBytesForPool(poolBytes: number, opts: LayoutOptions): number {
  const blockSize = blockSizeOf(opts);
  const { gapBytes, tableBitsPerAtbByte } = tableCosts(opts, blockSize);
  const atbBytes = Math.ceil(poolBytes / (4 * blockSize));
  let region = Math.ceil((atbBytes * tableBitsPerAtbByte) / 8) + gapBytes;
  region += (blockSize - (region % blockSize)) % blockSize;
  while (heapLayout(0, region, opts).poolBytes < poolBytes) region += blockSize;
  return region;
}
