/**
 * Where things are in a linker script: file, line and column for every token, and the error type that
 * carries them. Every message a user sees about a script starts with `file:line:col`.
 */

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, counting characters (a tab is one column). */
  col: number;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** A script that cannot be read as GNU ld syntax. The CLI turns it into exit code 2. */
export class LinkerScriptError extends Error {
  constructor(
    readonly detail: string,
    readonly loc: SourceLocation,
  ) {
    super(`${formatLocation(loc)}: ${detail}`);
    this.name = 'LinkerScriptError';
  }
}

/** One script file's text with a fast offset → line/column lookup. */
export class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  locationAt(offset: number): SourceLocation {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, col: offset - this.lineStarts[lo] + 1 };
  }

  error(offset: number, detail: string): LinkerScriptError {
    return new LinkerScriptError(detail, this.locationAt(offset));
  }
}
