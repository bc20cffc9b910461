/**
 * Splits a script into its top-level statements, for `mpheap run --step`: each one is run as
 * its own unit, with a snapshot after it.
 *
 * Indentation-aware and token-aware enough to be right for real scripts: a statement begins at
 * a line that starts in column 0, outside any bracket, string or backslash continuation, and is
 * not the `else`/`elif`/`except`/`finally` of the statement before it; decorators stay with the
 * definition they decorate. Comments and blank lines between statements go with the statement
 * before them. A script the splitter cannot make sense of (an unclosed bracket) still splits
 * somewhere; the engine's compiler then reports the syntax error with its line.
 */

export interface TopLevelStatement {
  /** 1-based line where the statement starts. */
  line: number;
  /** 1-based last line (comments and blank lines after it excluded). */
  endLine: number;
  /** The statement's source, its lines joined with `\n`. */
  code: string;
  /** Its first line, trimmed and shortened: a label for the snapshot after it. */
  summary: string;
}

import { type ScanState, scanLine } from '../engines/python/scan.js';

const CONTINUATION_KEYWORDS = /^(else|elif|except|finally)\b/;
const SUMMARY_LIMIT = 60;

function isBlankOrComment(text: string): boolean {
  const t = text.trim();
  return t === '' || t.startsWith('#');
}

export function splitTopLevel(source: string): TopLevelStatement[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const starts: number[] = [];
  const st: ScanState = { quote: null, depth: 0, backslash: false };
  let afterDecorator = false;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const atLogicalStart = st.quote === null && st.depth === 0 && !st.backslash;
    if (atLogicalStart && !isBlankOrComment(text)) {
      const column0 = !/^[ \t]/.test(text);
      if (column0 && !CONTINUATION_KEYWORDS.test(text) && !afterDecorator) starts.push(i);
      if (column0) afterDecorator = text.startsWith('@');
    }
    scanLine(text, st);
  }
  const out: TopLevelStatement[] = [];
  for (let k = 0; k < starts.length; k++) {
    const from = starts[k];
    let to = (k + 1 < starts.length ? starts[k + 1] : lines.length) - 1;
    while (to > from && isBlankOrComment(lines[to])) to--;
    const first = lines[from].trim();
    out.push({
      line: from + 1,
      endLine: to + 1,
      code: lines.slice(from, to + 1).join('\n'),
      summary: first.length > SUMMARY_LIMIT ? `${first.slice(0, SUMMARY_LIMIT - 3)}...` : first,
    });
  }
  return out;
}

/**
 * The statement's code padded with blank lines so the engine's line numbers (in tracebacks and
 * syntax errors) are the script's own.
 */
export function codeAtItsLine(s: TopLevelStatement): string {
  return '\n'.repeat(s.line - 1) + s.code;
}
