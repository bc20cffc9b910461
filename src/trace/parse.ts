/**
 * The trace format of shared/vectors/README.md: one heap operation per line.
 * Parsing is separate from running so that a bad trace stops before anything runs,
 * with the file, line and token named.
 */

export type TraceOp =
  | { op: 'heap'; bytes: number; line: number }
  | { op: 'alloc'; id: number; nbytes: number; finaliser: boolean; type: string | null; line: number }
  | { op: 'free'; id: number; line: number }
  | { op: 'realloc'; id: number; nbytes: number; move: boolean; line: number }
  | { op: 'ref'; id: number; word: number; target: number; line: number }
  | { op: 'root'; ids: number[]; line: number }
  | { op: 'collect'; line: number }
  | { op: 'threshold'; bytes: number; line: number }
  | { op: 'info'; line: number }
  | { op: 'dump'; line: number }
  | { op: 'finlog'; on: boolean; line: number };

export interface Trace {
  /** Id names, indexed by the numbers the ops use. Index 0 is the NULL id `0`. */
  ids: string[];
  ops: TraceOp[];
}

export const NULL_ID = 0;

export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly token: string,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}${token ? ` (at '${token}')` : ''}`);
    this.name = 'TraceError';
  }
}

const TYPE_LETTERS = new Set(['T', 'L', 'D', 'S', 'A', 'F', 'B', 'M', 'h']);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

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

export function parseTrace(text: string, file = '<trace>'): Trace {
  const ids: string[] = ['0'];
  const idIndex = new Map<string, number>([['0', NULL_ID]]);
  const ops: TraceOp[] = [];
  const lines = text.split(/\r?\n/);

  lines.forEach((raw, i) => {
    const line = i + 1;
    const tokens = tokenize(raw);
    if (tokens.length === 0) return;
    const [head, ...args] = tokens;
    const fail = (tok: Token | undefined, reason: string): never => {
      throw new TraceError(file, line, tok?.column ?? raw.length + 1, tok?.text ?? '', reason);
    };
    const arg = (k: number, what: string): Token =>
      args[k] ?? fail(undefined, `'${head.text}' needs ${what}`);
    const int = (tok: Token, what: string): number => {
      if (!/^[-+]?\d+$/.test(tok.text)) fail(tok, `${what} must be a decimal integer`);
      const v = Number(tok.text);
      if (v < INT32_MIN || v > INT32_MAX) fail(tok, `${what} does not fit in a signed 32-bit integer`);
      return v;
    };
    const id = (tok: Token): number => {
      let n = idIndex.get(tok.text);
      if (n === undefined) {
        n = ids.length;
        ids.push(tok.text);
        idIndex.set(tok.text, n);
      }
      return n;
    };
    const noMore = (from: number) => {
      if (args.length > from) fail(args[from], `unexpected argument to '${head.text}'`);
    };

    switch (head.text) {
      case 'heap': {
        const bytes = int(arg(0, 'a size in bytes'), 'heap size');
        if (bytes < 0) fail(args[0], 'heap size must not be negative');
        noMore(1);
        ops.push({ op: 'heap', bytes, line });
        break;
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
        ops.push({ op: 'alloc', id: target, nbytes, finaliser, type, line });
        break;
      }
      case 'free':
        ops.push({ op: 'free', id: id(arg(0, 'an id')), line });
        noMore(1);
        break;
      case 'realloc': {
        const target = id(arg(0, 'an id'));
        const nbytes = int(arg(1, 'a size in bytes'), 'reallocation size');
        let move = false;
        for (const opt of args.slice(2)) {
          if (opt.text === 'move') move = true;
          else fail(opt, "unknown realloc option (expected 'move')");
        }
        ops.push({ op: 'realloc', id: target, nbytes, move, line });
        break;
      }
      case 'ref': {
        const target = id(arg(0, 'an id'));
        const word = int(arg(1, 'a word index'), 'word index');
        const to = id(arg(2, 'a target id or 0'));
        noMore(3);
        ops.push({ op: 'ref', id: target, word, target: to, line });
        break;
      }
      case 'root':
        ops.push({ op: 'root', ids: args.map(id), line });
        break;
      case 'collect':
      case 'info':
      case 'dump':
        noMore(0);
        ops.push({ op: head.text, line });
        break;
      case 'threshold': {
        const bytes = int(arg(0, 'a byte count or -1'), 'threshold');
        noMore(1);
        ops.push({ op: 'threshold', bytes, line });
        break;
      }
      case 'finlog': {
        const t = arg(0, '0 or 1');
        if (t.text !== '0' && t.text !== '1') fail(t, 'finlog takes 0 or 1');
        noMore(1);
        ops.push({ op: 'finlog', on: t.text === '1', line });
        break;
      }
      default:
        fail(head, `unknown operation '${head.text}'`);
    }
  });

  const firstHeap = ops.findIndex((o) => o.op === 'heap');
  const firstOther = ops.findIndex((o) => o.op !== 'heap' && o.op !== 'finlog');
  if (firstOther >= 0 && (firstHeap < 0 || firstOther < firstHeap)) {
    const o = ops[firstOther];
    throw new TraceError(file, o.line, 1, o.op, `'${o.op}' comes before any 'heap' operation`);
  }
  return { ids, ops };
}
