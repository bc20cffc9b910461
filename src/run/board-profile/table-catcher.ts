/**
 * Takes the probe's table out of a script's output as it streams: the probe prints it, after a
 * marker, as the script ends (however it ends: a heap left full by the script could not even
 * compile another exec to ask for it). What is not the table passes on unchanged, whatever the
 * chunks; only text that may still turn out to be the marker is held back until it is known.
 */
import { TABLE_MARKER } from './probe-code.js';

export class TableCatcher {
  /** The last table line caught (from the marker to the end of its line). */
  table: string | null = null;
  private held = '';
  private inTable = false;

  /** The output without the table; call flush() when the output ends. */
  feed(chunk: string): string {
    let text = this.held + chunk;
    this.held = '';
    let out = '';
    for (;;) {
      if (this.inTable) {
        const end = text.indexOf('\n');
        if (end < 0) {
          this.held = text;
          return out;
        }
        this.table = text.slice(0, end).replace(/\r$/, '');
        this.inTable = false;
        text = text.slice(end + 1);
        continue;
      }
      const at = text.indexOf(TABLE_MARKER);
      if (at >= 0) {
        out += text.slice(0, at);
        text = text.slice(at);
        this.inTable = true;
        continue;
      }
      // The end of the text may be the start of a marker still arriving.
      const keep = partialMarkerAtEnd(text);
      out += text.slice(0, text.length - keep);
      this.held = text.slice(text.length - keep);
      return out;
    }
  }

  /** What was held back, now that no more output comes (a table cut short is dropped). */
  flush(): string {
    const rest = this.inTable ? '' : this.held;
    this.held = '';
    this.inTable = false;
    return rest;
  }
}

/** The length of the longest end of `text` that is a start of the marker. */
function partialMarkerAtEnd(text: string): number {
  for (let n = Math.min(TABLE_MARKER.length - 1, text.length); n > 0; n--)
    if (TABLE_MARKER.startsWith(text.slice(text.length - n))) return n;
  return 0;
}
