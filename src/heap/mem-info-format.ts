/**
 * The text MicroPython prints: the `mem_info()` lines and `gc_dump_alloc_table()`.
 * Release profiles capture the differences between releases, in the text and in gc_init's layout.
 */
import type { GcInfoFigures } from './block-map.js';
import { CH_FREE } from './block-map.js';

export interface OutputProfile {
  name: string;
  /** Hex digits of the line offset: 8 since v1.20, 5 (masked to 20 bits) before. */
  offsetDigits: 5 | 8;
  /** v1.20+ prints `GC memory layout; from X:` and a closing newline for every area. */
  headerPerArea: boolean;
  /** v1.20 added the ATB gap byte, which changes `GC: total` for some heap sizes. */
  gapByte: boolean;
}

export const PROFILE_MODERN: OutputProfile = {
  name: 'v1.20+',
  offsetDigits: 8,
  headerPerArea: true,
  gapByte: true,
};
export const PROFILE_LEGACY: OutputProfile = {
  name: 'v1.9-v1.19',
  offsetDigits: 5,
  headerPerArea: false,
  gapByte: false,
};

export function profileByName(name: string): OutputProfile | undefined {
  const n = name.toLowerCase();
  if (n === 'modern' || n === 'v1.20+' || n === '1.20') return PROFILE_MODERN;
  if (n === 'legacy' || n === 'v1.9-v1.19' || n === '1.19') return PROFILE_LEGACY;
  return undefined;
}

const BLOCKS_PER_LINE = 64;

export interface DumpArea {
  /** Text after `from ` in the header: gc.c prints `%p` (lowercase hex, no 0x). */
  baseText: string;
  map: Uint8Array;
}

const HEX_DIGITS = '0123456789abcdef';

function offsetText(offset: number, profile: OutputProfile): string {
  if (profile.offsetDigits === 5) return (offset & 0xfffff).toString(16).padStart(5, '0');
  // %08x, digit by digit (a dump has a line per 64 blocks: toString(16) showed in profiles).
  const o = offset >>> 0;
  let text = '';
  for (let shift = 28; shift >= 0; shift -= 4) text += HEX_DIGITS[(o >>> shift) & 15];
  return text;
}

/** `gc_dump_alloc_table()` output, byte for byte. */
export function formatAllocTable(
  areas: readonly DumpArea[],
  blockSize: number,
  profile: OutputProfile = PROFILE_MODERN,
): string {
  const parts: string[] = [];
  areas.forEach((area, index) => {
    if (profile.headerPerArea || index === 0) parts.push(`GC memory layout; from ${area.baseText}:`);
    const map = area.map;
    // The whole map as text once; each printed line is then a slice of it.
    const text = latin1(map, 0, map.length);
    const n = map.length;
    let b = 0;
    while (b < n) {
      // At each line start gc.c measures the free run; two or more whole free lines are abbreviated.
      let run = b;
      while (run < n && map[run] === CH_FREE) run++;
      if (run - b >= 2 * BLOCKS_PER_LINE) {
        parts.push(`\n       (${Math.floor((run - b) / BLOCKS_PER_LINE)} lines all free)`);
        b = run - (run % BLOCKS_PER_LINE);
        if (b >= n) break;
      }
      const lineEnd = Math.min(n, b + BLOCKS_PER_LINE);
      parts.push(`\n${offsetText(b * blockSize, profile)}: `, text.slice(b, lineEnd));
      b = lineEnd;
    }
    if (profile.headerPerArea || index === areas.length - 1) parts.push('\n');
  });
  return parts.join('');
}

/**
 * Bytes as the characters of the same codes. TextDecoder is native and fast, but its 'latin1' is
 * windows-1252, which differs only in giving characters above U+00FF for bytes 0x80-0x9F; map
 * characters are ASCII, so that never happens for a real map, and when it does the bytes are
 * converted one code per character instead.
 */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  const text = WINDOWS_1252.decode(bytes.subarray(from, to));
  if (!ABOVE_LATIN1.test(text)) return text;
  const chunks: string[] = [];
  for (let i = from; i < to; i += 8192) {
    chunks.push(
      String.fromCharCode.apply(null, bytes.subarray(i, Math.min(to, i + 8192)) as unknown as number[]),
    );
  }
  return chunks.join('');
}

const WINDOWS_1252 = new TextDecoder('latin1');
const ABOVE_LATIN1 = /[^\u0000-\u00ff]/;

/** The two GC lines of `mem_info()` (`gc_dump_info`), each ending in a newline. */
export function formatGcInfoLines(info: GcInfoFigures, maxNewSplit: number | null = null): string {
  const split = maxNewSplit === null ? '' : `, max new split: ${maxNewSplit}`;
  return (
    `GC: total: ${info.total}, used: ${info.used}, free: ${info.free}${split}\n` +
    ` No. of 1-blocks: ${info.oneBlocks}, 2-blocks: ${info.twoBlocks}, max blk sz: ${info.maxBlock}, max free sz: ${info.maxFree}\n`
  );
}
