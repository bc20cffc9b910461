/**
 * Byte-level helpers for reading lines off a serial link: what a terminal would not show
 * (ANSI escape sequences, control characters, DEL, bytes that are not ASCII) is removed before a
 * line is parsed, so a coloured or noisy log reads like the plain one.
 */

const ESC = 0x1b;
const BEL = 0x07;

/** True when every byte is printable ASCII (the common case: nothing to clean). */
export function isPlainAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/**
 * The printable ASCII left after removing escape sequences (CSI `ESC [ … final`, OSC
 * `ESC ] … BEL|ESC \`, two-byte `ESC x`), control characters, DEL and non-ASCII bytes.
 */
export function cleanBytes(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  let n = 0;
  let i = from;
  while (i < to) {
    const c = bytes[i];
    if (c === ESC) {
      i = escapeEnd(bytes, i, to);
      continue;
    }
    if (c >= 0x20 && c < 0x7f) out[n++] = c;
    i++;
  }
  return out.subarray(0, n);
}

/**
 * Index just past the escape sequence starting at `i` (which holds ESC); `to` when the
 * sequence is not finished before `to`.
 */
export function escapeEnd(bytes: Uint8Array, i: number, to: number): number {
  const kind = i + 1 < to ? bytes[i + 1] : -1;
  if (kind === 0x5b) {
    // CSI: parameters and intermediates (0x20-0x3f), then one final byte (0x40-0x7e).
    let j = i + 2;
    while (j < to && bytes[j] >= 0x20 && bytes[j] <= 0x3f) j++;
    return j < to ? j + 1 : j;
  }
  if (kind === 0x5d || kind === 0x50 || kind === 0x5f) {
    // OSC / DCS / APC: a string ended by BEL or ESC \ .
    let j = i + 2;
    while (j < to) {
      if (bytes[j] === BEL) return j + 1;
      if (bytes[j] === ESC && j + 1 < to && bytes[j + 1] === 0x5c) return j + 2;
      j++;
    }
    return j;
  }
  // ESC followed by one character (ESC c, ESC 7, …), or a lone ESC at the end.
  return kind < 0 ? i + 1 : i + 2;
}

/** Printable ASCII bytes as a string (safe for any length). */
export function asciiString(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let s = '';
  for (let i = from; i < to; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(to, i + 8192)) as unknown as number[]);
  }
  return s;
}
