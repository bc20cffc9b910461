/**
 * The tokens of a GNU ld script. Like ld itself, the lexer has two modes, because the same characters
 * mean different things in different places: in an expression `_estack-16K` is a name, a minus and a
 * number, while in an input section description `*libgcc.a:` or `*(.text*)` is a file-name pattern.
 * The parser asks for the mode it needs at each position (`lexAt` is stateless), so it can peek in one
 * mode and re-read the same characters in the other.
 */
import type { SourceText } from './source.js';

export type LexMode = 'expr' | 'pattern';

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The characters as written (a string's text without its quotes). */
  text: string;
  /** Numbers only: the value, K and M suffixes applied. */
  value?: bigint;
  /** Offset of the first character, and the offset just past the token. */
  start: number;
  end: number;
}

/** Longest first, so `<<=` wins over `<<` and `<`. */
const OPERATORS = [
  '<<=',
  '>>=',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '+=',
  '-=',
  '*=',
  '/=',
  '&=',
  '|=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '~',
  '!',
  '<',
  '>',
  '?',
  ':',
  '=',
  '(',
  ')',
  ',',
  ';',
  '{',
  '}',
];

const isNameStart = (c: string) => /[A-Za-z_.$]/.test(c);
const isNameChar = (c: string) => /[A-Za-z0-9_.$]/.test(c);
/** File-name pattern characters: everything but blanks, grouping, separators and quotes. */
const isPatternChar = (c: string) => !/[\s(){};,"=]/.test(c);

/** Skips blanks and C comments (the only comments ld accepts); returns the next offset. */
export function skipBlanks(src: SourceText, offset: number): number {
  const t = src.text;
  for (;;) {
    while (offset < t.length && /\s/.test(t[offset])) offset++;
    // A C-preprocessor line (`#if MICROPY_HW_SDRAM_AVAIL`): ports that run their scripts through cpp
    // (mimxrt) have them; ld never sees them, so skip the line. load.ts warns once per file.
    if (t[offset] === '#' && /^[ \t]*$/.test(t.slice(t.lastIndexOf('\n', offset - 1) + 1, offset))) {
      const eol = t.indexOf('\n', offset);
      offset = eol < 0 ? t.length : eol + 1;
      continue;
    }
    if (t.startsWith('/*', offset)) {
      const close = t.indexOf('*/', offset + 2);
      if (close < 0) throw src.error(offset, 'unterminated comment: "/*" has no closing "*/"');
      offset = close + 2;
      continue;
    }
    return offset;
  }
}

/** Reads one token at `offset` (blanks and comments before it are skipped). */
export function lexAt(src: SourceText, offset: number, mode: LexMode): Token {
  const t = src.text;
  const start = skipBlanks(src, offset);
  if (start >= t.length) return { kind: 'eof', text: '', start, end: start };
  const c = t[start];

  if (c === '"') {
    const close = t.indexOf('"', start + 1);
    const newline = t.indexOf('\n', start + 1);
    if (close < 0 || (newline >= 0 && newline < close))
      throw src.error(start, "unterminated string: '\"' has no closing quote on this line");
    return { kind: 'string', text: t.slice(start + 1, close), start, end: close + 1 };
  }

  if (mode === 'pattern' && isPatternChar(c) && !t.startsWith('/*', start)) {
    let end = start;
    while (end < t.length && isPatternChar(t[end]) && !t.startsWith('/*', end)) end++;
    return { kind: 'name', text: t.slice(start, end), start, end };
  }

  if (/[0-9]/.test(c)) return lexNumber(src, start);

  if (isNameStart(c)) {
    let end = start + 1;
    while (end < t.length && isNameChar(t[end])) end++;
    return { kind: 'name', text: t.slice(start, end), start, end };
  }

  for (const op of OPERATORS) {
    if (t.startsWith(op, start)) return { kind: 'op', text: op, start, end: start + op.length };
  }
  throw src.error(start, `unexpected character '${c}'`);
}

/**
 * ld's numbers: decimal, `0x` hex, a leading `0` for octal, an optional `K` (×1024) or `M` (×1024²)
 * suffix. Letters glued to a number (`16KB`, `0x1G`) are an error, as they are for ld.
 */
function lexNumber(src: SourceText, start: number): Token {
  const t = src.text;
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)([kKmM])?/.exec(t.slice(start, start + 64));
  if (!m) throw src.error(start, 'malformed number');
  let end = start + m[0].length;
  if (end < t.length && isNameChar(t[end]) && t[end] !== '.') {
    while (end < t.length && isNameChar(t[end])) end++;
    throw src.error(
      start,
      `malformed number '${t.slice(start, end)}' (ld accepts decimal, 0x hex, octal, K and M suffixes)`,
    );
  }
  const digits = m[1];
  let value: bigint;
  if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) {
    if (/[89]/.test(digits)) throw src.error(start, `malformed octal number '${digits}'`);
    value = BigInt(`0o${digits.slice(1)}`);
  } else value = BigInt(digits);
  const suffix = (m[2] ?? '').toUpperCase();
  if (suffix === 'K') value *= 1024n;
  else if (suffix === 'M') value *= 1024n * 1024n;
  // ld keeps only the low 64 bits of a longer number without a word; such a number is a typo.
  if (value >= 1n << 64n)
    throw src.error(start, `number '${m[0]}' does not fit in 64 bits (ld computes in 64-bit addresses)`);
  return { kind: 'number', text: m[0], value, start, end };
}
