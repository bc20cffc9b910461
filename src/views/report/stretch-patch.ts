/**
 * The patch text both the maps (format.ts) and the block owners (profile-pack.ts) travel in:
 * the stretches where `next` differs from `prev`, each `<first block>:<its content>,`. Changes
 * only a few equal blocks apart go in one stretch (repeating those blocks is cheaper than
 * another `<first block>:`). Browser-safe.
 */

/**
 * The changed stretches of `next` against `prev` (same length), each written by `content`.
 * `gap`: the most equal blocks a stretch runs on over; `radix`: how the first block is written.
 */
export function encodeStretches<T extends Uint8Array | Int32Array>(
  prev: T,
  next: T,
  gap: number,
  radix: 10 | 36,
  content: (stretch: T) => string,
): string {
  const parts: string[] = [];
  const n = next.length;
  let i = 0;
  while (i < n) {
    if (prev[i] === next[i]) {
      i++;
      continue;
    }
    const start = i;
    let end = i + 1;
    for (let j = end; j < n && j - end <= gap; j++) if (prev[j] !== next[j]) end = j + 1;
    parts.push(`${start.toString(radix)}:${content(next.subarray(start, end) as T)},`);
    i = end;
  }
  return parts.join('');
}

/** Calls `apply` with each stretch of a patch: its first block and its content's text. */
export function eachStretch(
  patch: string,
  radix: 10 | 36,
  what: string,
  apply: (start: number, content: string) => void,
): void {
  let i = 0;
  while (i < patch.length) {
    const colon = patch.indexOf(':', i);
    const comma = patch.indexOf(',', colon);
    if (colon < 0 || comma < 0) throw new Error(`bad ${what} patch at character ${i}`);
    const start = Number.parseInt(patch.slice(i, colon), radix);
    if (!Number.isInteger(start) || start < 0) throw new Error(`bad ${what} patch at character ${i}`);
    apply(start, patch.slice(colon + 1, comma));
    i = comma + 1;
  }
}
