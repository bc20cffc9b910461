/**
 * Puts probes between the statements of a script, for the heap profile on a board with stock
 * firmware (see ./probe-code.ts for what a probe does). Each probe is a call `_mph(N)`, where N
 * is the slot of the script line that runs next; it is placed so that line numbers stay the
 * script's own wherever it can be:
 *
 *   x = f()              →  _mph(3);x = f()                      (a simple statement: same line)
 *   if ready(x):         →  if _mph(4) or (ready(x)):            (the test runs after the probe,
 *   while n < 10:        →  while _mph(5) or (n < 10):            at every pass of a while)
 *   for k in items():    →  for k in _mph(6) or (items()):
 *   for i in range(n):   →  for i in range(_mph(7) or (n)):      (MicroPython compiles a for over
 *                                                                  range() into a counter; kept so)
 *   with open(p) as f:   →  with _mph(8) or (open(p)) as f:
 *   else: y = g()        →  else: _mph(9);y = g()
 *
 * `_mph(N) or (X)` is X: the probe returns None. A `def` or `class` (its decorators with it)
 * cannot be prefixed: its probe takes the blank or comment line above it, else goes after the
 * simple statement before it (`y = 2; _mph(10)`), else on a line of its own inserted above it;
 * only then do the lines below move, and `scriptLine` maps them back. `try:`, `else:`,
 * `finally:`, `except ...:` allocate nothing themselves and get no probe. Nothing is ever put
 * inside a string, a bracket or a backslash continuation (the scanner of engines/python/scan.ts).
 * Imports of mpheap's helper are left alone (a board without sys.modules rewrites them), and a
 * bare `mpheap.snap(...)` statement's slot is mpheap's, not the script's.
 */
import { type ScanState, scanLine } from '../../engines/python/scan.js';

/** The probe's name in the board's globals: the one name mpheap adds there while profiling. */
export const PROBE_NAME = '_mph';

export type SlotOwner = 'script' | 'mpheap';

/**
 * Slots of the probes' table: slot 0 is "outside the script" (before its first statement, and
 * after it ends), slot N ≥ 1 one script line (and owner). Shared by every unit a script is cut
 * into (with --step), so that a line keeps one slot.
 */
export class ProbeSlots {
  readonly lines: number[] = [0];
  readonly owners: SlotOwner[] = ['mpheap'];
  private readonly byKey = new Map<string, number>();

  slotOf(line: number, owner: SlotOwner = 'script'): number {
    const key = `${owner}:${line}`;
    let slot = this.byKey.get(key);
    if (slot === undefined) {
      slot = this.lines.length;
      this.lines.push(line);
      this.owners.push(owner);
      this.byKey.set(key, slot);
    }
    return slot;
  }

  get count(): number {
    return this.lines.length;
  }
}

export interface InstrumentedCode {
  code: string;
  /** The script line of each line of `code` (index 0 is line 1): an inserted probe line maps to the statement below it. */
  scriptLine: number[];
  /** Probes placed. */
  probes: number;
  /** Lines inserted (0 when every probe shares a line of the script). */
  inserted: number;
}

type Kind = 'simple' | 'snap' | 'skip' | 'decorator' | 'def' | 'cond' | 'for' | 'with' | 'clause';

interface CodeChar {
  row: number;
  col: number;
  c: string;
  depth: number;
}

interface Logical {
  first: number;
  last: number;
  indent: string;
  kind: Kind;
  /** The keyword that opens it (`if`, `async for`, …), empty for simple statements. */
  keyword: string;
  chars: CodeChar[];
}

interface RowEdits {
  inserts: { col: number; text: string }[];
  replace: string | null;
  before: string[];
}

const KINDS: [RegExp, Kind][] = [
  [/^@/, 'decorator'],
  [/^(async\s+)?(def|class)\b/, 'def'],
  [/^(if|elif|while)\b/, 'cond'],
  [/^(async\s+)?for\b/, 'for'],
  [/^(async\s+)?with\b/, 'with'],
  [/^(else|try|finally|except)\b/, 'clause'],
  [/^from\s+__future__\b/, 'skip'],
  [/^(import\s[^#]*\bmpheap\b|from\s+mpheap\s+import\b)/, 'skip'],
  [/^mpheap\s*\.\s*snap\s*\(/, 'snap'],
];

const IDENTIFIER = /[A-Za-z0-9_]/;

export function instrument(source: string, slots: ProbeSlots): InstrumentedCode {
  const rows = source.replace(/\r\n?/g, '\n').split('\n');
  const logicals = logicalLines(rows);
  const edits: RowEdits[] = rows.map(() => ({ inserts: [], replace: null, before: [] }));
  const call = (slot: number) => `${PROBE_NAME}(${slot})`;
  let probes = 0;
  let inserted = 0;

  const placeBefore = (k: number, slot: number): void => {
    // A definition: its decorators go with it, the probe above the first of them.
    let first = k;
    while (first > 0 && logicals[first - 1].kind === 'decorator') first--;
    const at = logicals[first];
    const above = at.first - 1;
    const previous = first > 0 ? logicals[first - 1] : null;
    if (above >= 0 && freeRow(rows, above, logicals) && edits[above].replace === null) {
      const comment = rows[above].trim();
      edits[above].replace = `${at.indent}${call(slot)}${comment ? `  ${comment}` : ''}`;
    } else if (
      previous &&
      (previous.kind === 'simple' || previous.kind === 'snap') &&
      previous.indent === at.indent &&
      previous.last === above
    ) {
      const end = codeEnd(rows[above], previous.chars, above);
      // `x = 1;` ends with its own semicolon: `x = 1; _mph(2)`, not `x = 1;; _mph(2)`.
      const sep = rows[above][end - 1] === ';' ? ' ' : '; ';
      edits[above].inserts.push({ col: end, text: `${sep}${call(slot)}` });
    } else {
      edits[at.first].before.push(`${at.indent}${call(slot)}`);
      inserted++;
    }
    probes++;
  };

  logicals.forEach((l, k) => {
    const line = l.first + 1;
    const head = rows[l.first];
    const afterKeyword = l.indent.length + l.keyword.length;
    switch (l.kind) {
      case 'skip':
      case 'decorator':
        return;
      case 'simple':
      case 'snap':
        edits[l.first].inserts.push({
          col: l.indent.length,
          text: `${call(slots.slotOf(line, l.kind === 'snap' ? 'mpheap' : 'script'))};`,
        });
        probes++;
        return;
      case 'def':
        placeBefore(k, slots.slotOf(line));
        return;
      case 'clause': {
        // `else: y = g()`: the statement after the colon gets the probe.
        const colon = headerColon(l, rows, afterKeyword);
        if (colon && hasCodeAfter(rows[colon.row], colon.col, l.chars, colon.row)) {
          edits[colon.row].inserts.push({ col: colon.col + 1, text: ` ${call(slots.slotOf(line))};` });
          probes++;
        }
        return;
      }
    }
    // A header with an expression: the probe goes in front of it, inside the statement.
    const colon = headerColon(l, rows, afterKeyword);
    let start: { row: number; col: number } | null = null;
    let end: { row: number; col: number } | null = colon;
    if (l.kind === 'cond') start = { row: l.first, col: afterKeyword };
    else if (l.kind === 'for') {
      const inWord = wordAt(l, rows, 'in', afterKeyword);
      if (inWord) {
        start = { row: inWord.row, col: inWord.col + 2 };
        const range = rangeFirstArgument(l, rows, inWord, colon);
        if (range) [start, end] = range;
      }
    } else if (l.kind === 'with') {
      const lead = head.slice(afterKeyword).trimStart();
      // `with (a as b, c as d):` (newer Pythons) cannot take the probe in front: placed as a def's.
      if (!lead.startsWith('(')) {
        start = { row: l.first, col: afterKeyword };
        end = firstItemEnd(l, rows, afterKeyword) ?? colon;
      }
    }
    const slot = slots.slotOf(line);
    if (start && end && !(end.row === start.row && end.col < start.col)) {
      edits[start.row].inserts.push({ col: start.col, text: ` ${call(slot)} or (` });
      // The closing bracket hugs the expression: `(open(p)) as f`, not `(open(p) )as f`.
      let col = end.col;
      while (col > (end.row === start.row ? start.col : 0) && /\s/.test(rows[end.row][col - 1])) col--;
      edits[end.row].inserts.push({ col, text: ')' });
      probes++;
    } else placeBefore(k, slot);
  });

  const out: string[] = [];
  const scriptLine: number[] = [];
  rows.forEach((text, r) => {
    const e = edits[r];
    for (const b of e.before) {
      out.push(b);
      scriptLine.push(r + 1);
    }
    let t = e.replace ?? text;
    if (e.replace === null)
      for (const ins of [...e.inserts].sort((a, b) => b.col - a.col))
        t = t.slice(0, ins.col) + ins.text + t.slice(ins.col);
    out.push(t);
    scriptLine.push(r + 1);
  });
  return { code: out.join('\n'), scriptLine, probes, inserted };
}

/** The logical lines of a script (statements and headers), with the code characters of each. */
function logicalLines(rows: string[]): Logical[] {
  const out: Logical[] = [];
  const st: ScanState = { quote: null, depth: 0, backslash: false };
  let current: Logical | null = null;
  rows.forEach((text, row) => {
    const clean = st.quote === null && st.depth === 0 && !st.backslash;
    if (clean) {
      current = null;
      const t = text.trim();
      if (t !== '' && !t.startsWith('#')) {
        const indent = /^[ \t]*/.exec(text)?.[0] ?? '';
        let kind: Kind = 'simple';
        let keyword = '';
        for (const [re, k] of KINDS) {
          const m = re.exec(t);
          if (m) {
            kind = k;
            keyword = k === 'skip' || k === 'snap' || k === 'decorator' ? '' : m[0];
            break;
          }
        }
        current = { first: row, last: row, indent, kind, keyword, chars: [] };
        out.push(current);
      }
    }
    const l: Logical | null = current;
    scanLine(text, st, l ? (col, c, depth) => l.chars.push({ row, col, c, depth }) : undefined);
    if (l) l.last = row;
  });
  return out;
}

/** The colon that ends a compound statement's header: the first at bracket depth 0 (not `:=`). */
function headerColon(l: Logical, rows: string[], fromCol: number): { row: number; col: number } | null {
  for (const ch of l.chars) {
    if (ch.row === l.first && ch.col < fromCol) continue;
    if (ch.c === ':' && ch.depth === 0 && rows[ch.row][ch.col + 1] !== '=') return ch;
  }
  return null;
}

/** A keyword (`in`, `as`) at bracket depth 0, as a whole word. */
function wordAt(l: Logical, rows: string[], word: string, fromCol: number): CodeChar | null {
  for (const ch of l.chars) {
    if (ch.depth !== 0 || (ch.row === l.first && ch.col < fromCol)) continue;
    const text = rows[ch.row];
    if (
      text.startsWith(word, ch.col) &&
      !IDENTIFIER.test(text[ch.col - 1] ?? ' ') &&
      !IDENTIFIER.test(text[ch.col + word.length] ?? ' ')
    )
      return ch;
  }
  return null;
}

/**
 * `for i in range(a, b):`: where the first argument of range() starts and ends, so the probe can
 * go inside it and the compiler still sees a plain range() (which it turns into a counter, with
 * no range object on the heap). Null when the iterable is anything else.
 */
function rangeFirstArgument(
  l: Logical,
  rows: string[],
  inWord: CodeChar,
  colon: { row: number; col: number } | null,
): [{ row: number; col: number }, { row: number; col: number }] | null {
  if (!colon) return null;
  const rest = rows[inWord.row].slice(inWord.col + 2);
  const m = /^(\s*)range\s*\(/.exec(rest);
  if (!m) return null;
  const open = inWord.col + 2 + m[0].length - 1;
  let started = false;
  let firstEnd: CodeChar | null = null;
  let close: CodeChar | null = null;
  for (const ch of l.chars) {
    if (!started) {
      started = ch.row === inWord.row && ch.col === open;
      continue;
    }
    if (ch.depth === 1 && ch.c === ',' && !firstEnd) firstEnd = ch;
    if (ch.depth === 1 && ch.c === ')') {
      close = ch;
      break;
    }
  }
  if (!close) return null;
  // Only a range() call standing alone before the colon is compiled into a counter.
  const between = l.chars.filter(
    (ch) => (ch.row > close.row || (ch.row === close.row && ch.col > close.col)) && ch.depth === 0,
  );
  if (between[0] !== undefined && !(between[0].row === colon.row && between[0].col === colon.col))
    return null;
  const end = firstEnd ?? close;
  // range() with no argument is the script's own error: left as it is.
  const argument = l.chars.some(
    (ch) =>
      (ch.row > inWord.row || ch.col > open) &&
      (ch.row < end.row || (ch.row === end.row && ch.col < end.col)) &&
      ch.c.trim() !== '',
  );
  return argument ? [{ row: inWord.row, col: open + 1 }, end] : null;
}

/** The end of a `with` statement's first item: its `as`, the comma after it, or the colon. */
function firstItemEnd(l: Logical, rows: string[], fromCol: number): { row: number; col: number } | null {
  const as = wordAt(l, rows, 'as', fromCol);
  const colon = headerColon(l, rows, fromCol);
  for (const ch of l.chars) {
    if (ch.depth !== 0 || (ch.row === l.first && ch.col < fromCol)) continue;
    if (as && ch === as) return ch;
    if (ch.c === ',') return ch;
    if (colon && ch.row === colon.row && ch.col === colon.col) return ch;
  }
  return null;
}

/** Whether a row has code after a column (not only spaces or a comment). */
function hasCodeAfter(text: string, col: number, chars: CodeChar[], row: number): boolean {
  const comment = chars.find((ch) => ch.row === row && ch.c === '#');
  const end = comment ? comment.col : text.length;
  return text.slice(col + 1, end).trim() !== '';
}

/** Where the code of a row ends: before its comment and trailing spaces. */
function codeEnd(text: string, chars: CodeChar[], row: number): number {
  const comment = chars.find((ch) => ch.row === row && ch.c === '#');
  return (comment ? text.slice(0, comment.col) : text).trimEnd().length;
}

/** A blank or comment-only row that no statement continues into: a probe line can take its place. */
function freeRow(rows: string[], row: number, logicals: Logical[]): boolean {
  const t = rows[row].trim();
  if (t !== '' && !t.startsWith('#')) return false;
  // Inside a multi-line string or bracket the row belongs to the statement around it.
  return !logicals.some((l) => l.first <= row && row <= l.last);
}

/**
 * A traceback from the instrumented code told in the script's lines (only where lines were
 * inserted do they differ).
 */
export function scriptLineOf(code: InstrumentedCode, line: number): number {
  return code.scriptLine[line - 1] ?? line - code.inserted;
}
