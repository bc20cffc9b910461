/**
 * Run-length text for block maps, used wherever snapshots are stored (recordings, reports):
 * each run is its map character followed by the run length when it is more than 1, e.g.
 * `h=3.120T`. Map characters are never digits, so the text is unambiguous, and the long free
 * runs of a real heap shrink to a few bytes.
 */

export function encodeMap(map: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  while (i < map.length) {
    const c = map[i];
    let j = i + 1;
    while (j < map.length && map[j] === c) j++;
    const n = j - i;
    parts.push(n > 1 ? String.fromCharCode(c) + n : String.fromCharCode(c));
    i = j;
  }
  return parts.join('');
}

export function decodeMap(text: string): Uint8Array {
  // First pass sizes the array so decoding allocates once.
  let size = 0;
  for (let i = 0; i < text.length; ) {
    i++;
    let n = 0;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
      n = n * 10 + text.charCodeAt(i) - 48;
      i++;
    }
    size += n || 1;
  }
  const map = new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i++);
    let n = 0;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
      n = n * 10 + text.charCodeAt(i) - 48;
      i++;
    }
    n ||= 1;
    map.fill(c, o, o + n);
    o += n;
  }
  return map;
}
