/**
 * What a parsed trace is (the format of shared/vectors/README.md, docs/trace-format.md), and the
 * error that names the file, line, column and token of whatever is wrong in one.
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
    // The token is named once: a reason that quotes it already (`unknown operation 'x'`) needs no `(at 'x')`.
    const at = token && !reason.includes(`'${token}'`) ? ` (at '${token}')` : '';
    super(`${file}:${line}:${column}: ${reason}${at}`);
    this.name = 'TraceError';
  }
}

export const TYPE_LETTERS = new Set(['T', 'L', 'D', 'S', 'A', 'F', 'B', 'M', 'h']);
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
