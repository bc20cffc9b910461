/**
 * The line still being received (no newline yet), read incrementally.
 *
 * A live decoder looks at the unfinished line after every chunk: a waiting `>>> ` is passed on
 * as output at once, and a snapshot without a map ends as soon as the next line clearly is not
 * its map. Cleaning the whole partial line again on every chunk made a long line quadratic
 * (a board printing without newlines, fed 64 bytes at a time). Here each byte is cleaned once:
 * an escape sequence cut by the chunk boundary waits for its end, and the keyword search looks
 * only at the new text plus enough of the old to find a keyword that straddles the two.
 */
import { asciiString, cleanBytes, escapeEnd } from './clean.js';
import { findInfo, LONGEST_KEYWORD } from './info-lines.js';

export class PartialLine {
  /** The cleaned text so far (printable ASCII), as bytes. */
  private clean = new Uint8Array(256);
  private cleanLen = 0;
  /** Raw bytes of the line already cleaned. */
  private cleanedTo = 0;
  /** A mem_info keyword appears in the cleaned text. */
  hasKeyword = false;

  reset(): void {
    this.cleanLen = 0;
    this.cleanedTo = 0;
    this.hasKeyword = false;
  }

  /** Cleans what arrived since the last call: `raw[0, len)` is the whole partial line. */
  update(raw: Uint8Array, len: number): void {
    if (this.cleanedTo >= len) return;
    // Stop before an escape sequence the chunk cut in half: its end is still to come.
    let stop = len;
    const esc = raw.lastIndexOf(0x1b, len - 1);
    if (esc >= this.cleanedTo && escapeEnd(raw, esc, len) >= len) stop = esc;
    if (stop <= this.cleanedTo) return;
    const added = cleanBytes(raw, this.cleanedTo, stop);
    this.cleanedTo = stop;
    if (added.length === 0) return;
    const before = this.cleanLen;
    this.append(added);
    if (!this.hasKeyword) {
      const from = Math.max(0, before - LONGEST_KEYWORD + 1);
      this.hasKeyword = findInfo(asciiString(this.clean, from, this.cleanLen)) !== null;
    }
  }

  /** The first `n` characters of the cleaned line. */
  head(n: number): string {
    return asciiString(this.clean, 0, Math.min(n, this.cleanLen));
  }

  /** The last `n` characters of the cleaned line. */
  tail(n: number): string {
    return asciiString(this.clean, Math.max(0, this.cleanLen - n), this.cleanLen);
  }

  private append(bytes: Uint8Array): void {
    const need = this.cleanLen + bytes.length;
    if (need > this.clean.length) {
      let cap = this.clean.length;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.clean.subarray(0, this.cleanLen));
      this.clean = next;
    }
    this.clean.set(bytes, this.cleanLen);
    this.cleanLen = need;
  }
}
