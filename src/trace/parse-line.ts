/**
 * One trace line, parsed with every check the format asks for: the careful path. The fast scanner
 * in parse.ts hands it every line it is not sure of, so this is what defines the format's edge
 * cases (other whitespace, non-ASCII ids, bad numbers) and what every error message says.
 */
import { INT32_MAX, INT32_MIN, TraceError, type TraceOp, TYPE_LETTERS } from './format.js';
import type { IdTable } from './id-table.js';

interface Token {
  text: string;
  column: number;
}

function tokenize(line: string): Token[] {
  const hash = line.indexOf('#');
  const body = hash >= 0 ? line.slice(0, hash) : line;
  const tokens: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(body); m; m = re.exec(body)) tokens.push({ text: m[0], column: m.index + 1 });
  return tokens;
}

/** The operation on line `line` (text `raw`, without its line break), or null for a blank line. */
export function parseLine(raw: string, line: number, file: string, idTable: IdTable): TraceOp | null {
  const tokens = tokenize(raw);
  if (tokens.length === 0) return null;
  const [head, ...args] = tokens;
  const fail = (tok: Token | undefined, reason: string): never => {
    throw new TraceError(file, line, tok?.column ?? raw.length + 1, tok?.text ?? '', reason);
  };
  const arg = (k: number, what: string): Token => args[k] ?? fail(undefined, `'${head.text}' needs ${what}`);
  const int = (tok: Token, what: string): number => {
    if (!/^[-+]?\d+$/.test(tok.text)) fail(tok, `${what} must be a decimal integer`);
    const v = Number(tok.text);
    if (v < INT32_MIN || v > INT32_MAX) fail(tok, `${what} does not fit in a signed 32-bit integer`);
    return v;
  };
  const id = (tok: Token): number => idTable.idOf(tok.text);
  const noMore = (from: number) => {
    if (args.length > from) fail(args[from], `unexpected argument to '${head.text}'`);
  };

  switch (head.text) {
    case 'heap': {
      const bytes = int(arg(0, 'a size in bytes'), 'heap size');
      if (bytes < 0) fail(args[0], 'heap size must not be negative');
      noMore(1);
      return { op: 'heap', bytes, line };
    }
    case 'alloc': {
      const target = id(arg(0, 'an id'));
      const nbytes = int(arg(1, 'a size in bytes'), 'allocation size');
      let finaliser = false;
      let type: string | null = null;
      for (const opt of args.slice(2)) {
        if (opt.text === 'fin') finaliser = true;
        else if (opt.text.startsWith('type=')) {
          const letter = opt.text.slice(5);
          if (!TYPE_LETTERS.has(letter)) fail(opt, 'type must be one of T L D S A F B M h');
          type = letter;
        } else fail(opt, "unknown alloc option (expected 'fin' or 'type=X')");
      }
      return { op: 'alloc', id: target, nbytes, finaliser, type, line };
    }
    case 'free': {
      const target = id(arg(0, 'an id'));
      noMore(1);
      return { op: 'free', id: target, line };
    }
    case 'realloc': {
      const target = id(arg(0, 'an id'));
      const nbytes = int(arg(1, 'a size in bytes'), 'reallocation size');
      let move = false;
      for (const opt of args.slice(2)) {
        if (opt.text === 'move') move = true;
        else fail(opt, "unknown realloc option (expected 'move')");
      }
      return { op: 'realloc', id: target, nbytes, move, line };
    }
    case 'ref': {
      const target = id(arg(0, 'an id'));
      const word = int(arg(1, 'a word index'), 'word index');
      const to = id(arg(2, 'a target id or 0'));
      noMore(3);
      return { op: 'ref', id: target, word, target: to, line };
    }
    case 'root':
      return { op: 'root', ids: args.map(id), line };
    case 'collect':
    case 'info':
    case 'dump':
      noMore(0);
      return { op: head.text, line };
    case 'threshold': {
      const bytes = int(arg(0, 'a byte count or -1'), 'threshold');
      noMore(1);
      return { op: 'threshold', bytes, line };
    }
    case 'finlog': {
      const t = arg(0, '0 or 1');
      if (t.text !== '0' && t.text !== '1') fail(t, 'finlog takes 0 or 1');
      noMore(1);
      return { op: 'finlog', on: t.text === '1', line };
    }
    default:
      return fail(head, `unknown operation '${head.text}'`);
  }
}
