/**
 * A scan of Python source good enough to know, line by line, whether a line starts inside a
 * string or a bracket: what `mpheap run --step` needs to split statements, and what any code that
 * re-indents a script needs so that it never changes a multi-line string.
 */

export interface ScanState {
  /** The open string's quote (`'`, `"`, `'''`, `"""`), or null. */
  quote: string | null;
  depth: number;
  /** The previous physical line ended in a backslash continuation. */
  backslash: boolean;
}

/**
 * Sees each character of code outside strings: its column, and the bracket depth before it
 * (a comment's `#` is seen too, and ends the line).
 */
export type CodeVisitor = (column: number, c: string, depth: number) => void;

/** Advances the scan over one physical line; tells whether the line ends a logical line. */
export function scanLine(text: string, st: ScanState, visit?: CodeVisitor): void {
  st.backslash = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (st.quote !== null) {
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith(st.quote, i)) {
        i += st.quote.length;
        st.quote = null;
        continue;
      }
      i++;
      continue;
    }
    visit?.(i, c, st.depth);
    if (c === '#') break;
    if (c === '"' || c === "'") {
      const triple = c.repeat(3);
      st.quote = text.startsWith(triple, i) ? triple : c;
      i += st.quote.length;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') st.depth++;
    else if (c === ')' || c === ']' || c === '}') st.depth = Math.max(0, st.depth - 1);
    i++;
  }
  // A single-quoted string cannot span lines: the compiler will say so; stop scanning it here.
  if (st.quote === '"' || st.quote === "'") st.quote = null;
  if (st.quote === null && /\\\s*$/.test(stripComment(text))) st.backslash = true;
}

function stripComment(text: string): string {
  // Only called for lines whose scan ended outside a string; a '#' inside a string earlier on the
  // line is rare enough in a continuation line that the approximation is harmless.
  const hash = text.indexOf('#');
  return hash < 0 ? text : text.slice(0, hash);
}

/**
 * Which physical lines of `source` start inside a multi-line string: those must not be
 * re-indented, or the string's contents would change.
 */
export function linesStartingInString(source: string): boolean[] {
  const lines = source.split('\n');
  const st: ScanState = { quote: null, depth: 0, backslash: false };
  return lines.map((text) => {
    const inside = st.quote !== null;
    scanLine(text, st);
    return inside;
  });
}

/**
 * `source`'s lines (split at `\n`) with `prefix` before each, except blank lines and lines that
 * start inside a multi-line string (their text is the string's).
 */
export function indentCode(source: string, prefix: string): string[] {
  const inString = linesStartingInString(source);
  return source.split('\n').map((line, i) => (inString[i] || line.trim() === '' ? line : `${prefix}${line}`));
}
