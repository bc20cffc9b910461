/**
 * The trace format of shared/vectors/README.md: one heap operation per line.
 * Parsing is separate from running so that a bad trace stops before anything runs,
 * with the file, line and token named.
 *
 * Speed: a CLI parses a trace once, in a fresh process, where JavaScript that loops over
 * characters runs unoptimized until V8 has compiled it (measured: a character scanner was 4x
 * faster than this once warm, and no faster in a fresh process). So each line is matched by one
 * regular expression of its operation, which V8 runs as native code from the first line; ids
 * go through a Map. A line no expression matches (other whitespace, non-ASCII, a bad number,
 * anything malformed) goes to parseLine, the careful path, which gives the same result for what
 * the expressions accept and the error message for the rest.
 */
import { INT32_MAX, INT32_MIN, type Trace, TraceError, type TraceOp } from './format.js';
import { IdTable } from './id-table.js';
import { parseLine } from './parse-line.js';

export { NULL_ID, type Trace, TraceError, type TraceOp } from './format.js';

// A token is printable ASCII other than '#'; tokens are separated by spaces and tabs; a line may
// end in spaces, a comment and (before the '\n' split off) a '\r'.
const ID = '([!-"$-~]+)';
const INT = '([-+]?\\d{1,10})';
const SEP = '[ \\t]+';
const END = '[ \\t]*(?:#[^]*)?\\r?$';
const line = (body: string) => new RegExp(`^${body}${END}`);

const BLANK = line('[ \\t]*');
const ALLOC = line(`alloc${SEP}${ID}${SEP}${INT}((?:${SEP}(?:fin|type=[TLDSAFBMh]))*)`);
const REF = line(`ref${SEP}${ID}${SEP}${INT}${SEP}${ID}`);
const REALLOC = line(`realloc${SEP}${ID}${SEP}${INT}((?:${SEP}move)*)`);
const ROOT = line(`root((?:${SEP}[!-"$-~]+)*)`);
const FREE = line(`free${SEP}${ID}`);
const FINLOG = line(`finlog${SEP}([01])`);
const HEAP = line(`heap${SEP}${INT}`);
const THRESHOLD = line(`threshold${SEP}${INT}`);
const COLLECT = line('collect');
const INFO = line('info');
const DUMP = line('dump');
const SEPARATORS = /[ \t]+/;

export function parseTrace(text: string, file = '<trace>'): Trace {
  const ids = new IdTable();
  const ops: TraceOp[] = [];
  // Lines as text.split(/\r?\n/) gives them: a '\r' is dropped only before a '\n'.
  const lines = text.split('\n');
  const last = lines.length - 1;
  for (let i = 0; i <= last; i++) {
    const raw = lines[i];
    let op = quickOp(raw, i + 1, ids);
    if (op === undefined) {
      const body = i < last && raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      op = parseLine(body, i + 1, file, ids);
    }
    if (op !== null) ops.push(op);
  }
  return traceOf(ids, ops, file);
}

/** The parsed operations as a Trace, once they pass the rule that a 'heap' comes first. */
export function traceOf(ids: IdTable, ops: TraceOp[], file: string): Trace {
  const firstHeap = ops.findIndex((o) => o.op === 'heap');
  const firstOther = ops.findIndex((o) => o.op !== 'heap' && o.op !== 'finlog');
  if (firstOther >= 0 && (firstHeap < 0 || firstOther < firstHeap)) {
    const o = ops[firstOther];
    throw new TraceError(file, o.line, 1, o.op, `'${o.op}' comes before any 'heap' operation`);
  }
  return { ids: ids.names, ops };
}

/** A decimal token as Number() reads it, or NaN outside the signed 32-bit range. */
function int32(token: string): number {
  const v = Number(token);
  return v < INT32_MIN || v > INT32_MAX ? Number.NaN : v;
}

/**
 * The fast path: the operation on a plainly well-formed line, null for a blank or comment line,
 * undefined when the careful path must decide. Chosen by the first character, so a line is
 * matched against one to three expressions.
 */
function quickOp(raw: string, line: number, ids: IdTable): TraceOp | null | undefined {
  switch (raw.charCodeAt(0)) {
    case 0x61: // a
      return allocOp(raw, line, ids);
    case 0x72: // r
      return refOp(raw, line, ids) ?? reallocOp(raw, line, ids) ?? rootOp(raw, line, ids);
    case 0x66: // f
      return freeOp(raw, line, ids) ?? finlogOp(raw, line);
    case 0x68: // h
      return sizeOp(HEAP, 'heap', raw, line);
    case 0x74: // t
      return sizeOp(THRESHOLD, 'threshold', raw, line);
    case 0x63: // c
      return COLLECT.test(raw) ? { op: 'collect', line } : undefined;
    case 0x69: // i
      return INFO.test(raw) ? { op: 'info', line } : undefined;
    case 0x64: // d
      return DUMP.test(raw) ? { op: 'dump', line } : undefined;
    default:
      return BLANK.test(raw) ? null : undefined;
  }
}

function allocOp(raw: string, line: number, ids: IdTable): TraceOp | undefined {
  const m = ALLOC.exec(raw);
  if (!m) return undefined;
  const id = ids.idOf(m[1]);
  const nbytes = int32(m[2]);
  if (Number.isNaN(nbytes)) return undefined;
  const options = m[3];
  // Options in any order; the last type= wins, as in the careful path.
  const t = options.lastIndexOf('type=');
  const type = t < 0 ? null : options[t + 5];
  return { op: 'alloc', id, nbytes, finaliser: options.includes('fin'), type, line };
}

function refOp(raw: string, line: number, ids: IdTable): TraceOp | undefined {
  const m = REF.exec(raw);
  if (!m) return undefined;
  const id = ids.idOf(m[1]);
  const word = int32(m[2]);
  if (Number.isNaN(word)) return undefined;
  return { op: 'ref', id, word, target: ids.idOf(m[3]), line };
}

function reallocOp(raw: string, line: number, ids: IdTable): TraceOp | undefined {
  const m = REALLOC.exec(raw);
  if (!m) return undefined;
  const id = ids.idOf(m[1]);
  const nbytes = int32(m[2]);
  if (Number.isNaN(nbytes)) return undefined;
  return { op: 'realloc', id, nbytes, move: m[3] !== '', line };
}

function rootOp(raw: string, line: number, ids: IdTable): TraceOp | undefined {
  const m = ROOT.exec(raw);
  if (!m) return undefined;
  // The capture starts with a separator, so names[0] is ''.
  const names = m[1].split(SEPARATORS);
  const list = new Array<number>(names.length - 1);
  for (let k = 1; k < names.length; k++) list[k - 1] = ids.idOf(names[k]);
  return { op: 'root', ids: list, line };
}

function freeOp(raw: string, line: number, ids: IdTable): TraceOp | undefined {
  const m = FREE.exec(raw);
  return m ? { op: 'free', id: ids.idOf(m[1]), line } : undefined;
}

function finlogOp(raw: string, line: number): TraceOp | undefined {
  const m = FINLOG.exec(raw);
  return m ? { op: 'finlog', on: m[1] === '1', line } : undefined;
}

/** `heap N` (N >= 0) or `threshold N`. */
function sizeOp(re: RegExp, op: 'heap' | 'threshold', raw: string, line: number): TraceOp | undefined {
  const m = re.exec(raw);
  if (!m) return undefined;
  const bytes = int32(m[1]);
  if (Number.isNaN(bytes) || (op === 'heap' && bytes < 0)) return undefined;
  return { op, bytes, line };
}
