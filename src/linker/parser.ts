/**
 * A parser for the GNU ld script language, as much of it as MicroPython's ports use: MEMORY, SECTIONS
 * with output sections and their region, symbol assignments anywhere, PROVIDE / PROVIDE_HIDDEN /
 * HIDDEN, ASSERT, REGION_ALIAS, INCLUDE (read in place, as ld does), and the file-level commands
 * (ENTRY, OUTPUT_FORMAT, SEARCH_DIR...), which are read and skipped. Syntax errors throw a
 * LinkerScriptError naming file, line and column.
 */
import type { Expr, Statement, StatementContext } from './ast.js';
import { type LexMode, lexAt, skipBlanks, type Token } from './lexer.js';
import { LinkerScriptError, type SourceLocation, SourceText } from './source.js';

/** Finds an INCLUDEd file; returns null when it is nowhere to be found. */
export type IncludeResolver = (name: string, from: SourceText) => SourceText | null;

export interface ParseOptions {
  resolveInclude?: IncludeResolver;
  /** Problems that do not stop the parse (an INCLUDE that cannot be found). */
  onWarning?: (message: string, loc: SourceLocation) => void;
  /** SEARCH_DIR(path) commands, which add to the INCLUDE search path. */
  onSearchDir?: (dir: string, from: SourceText) => void;
}

/** ld's own limit on nested INCLUDEs; deeper means a cycle. */
const MAX_INCLUDE_DEPTH = 10;
/**
 * INCLUDEs read in all, nested or not. Under the depth limit a file that INCLUDEs the next one
 * several times still multiplies (4 INCLUDEs per level, 10 levels: a million files); real ports
 * read a handful.
 */
export const MAX_INCLUDES_READ = 500;
/**
 * Parentheses, unary operators, `?:` and function arguments nested in one expression. The parser
 * (and the evaluator) recurse once per level, so this bounds their stack; real scripts nest a few.
 */
export const MAX_EXPRESSION_NESTING = 200;

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '<<=', '>>=', '&=', '|=']);

const BINARY_PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '<=': 7,
  '>': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

/** Builtins whose argument is a name (a region, a section, a symbol or a constant). */
const NAME_FUNCTIONS = new Set([
  'ORIGIN',
  'ORG',
  'LENGTH',
  'LEN',
  'ADDR',
  'LOADADDR',
  'SIZEOF',
  'ALIGNOF',
  'DEFINED',
  'CONSTANT',
]);
/** Builtins whose arguments are expressions. */
const EXPR_FUNCTIONS = new Set([
  'ALIGN',
  'BLOCK',
  'ABSOLUTE',
  'MAX',
  'MIN',
  'LOG2CEIL',
  'NEXT',
  'SEGMENT_START',
  'ASSERT',
  'DATA_SEGMENT_ALIGN',
  'DATA_SEGMENT_END',
  'DATA_SEGMENT_RELRO_END',
]);

/** File-level commands that carry nothing a heap size depends on: read and skipped. */
const SKIPPED_COMMANDS = new Set([
  'ENTRY',
  'OUTPUT_FORMAT',
  'OUTPUT_ARCH',
  'STARTUP',
  'INPUT',
  'GROUP',
  'OUTPUT',
  'EXTERN',
  'TARGET',
  'NOCROSSREFS',
  'NOCROSSREFS_TO',
  'AS_NEEDED',
  'LD_FEATURE',
  'PHDRS',
  'VERSION',
  'OUTPUT_SECTION_ALIGN',
]);
const BARE_COMMANDS = new Set([
  'FORCE_COMMON_ALLOCATION',
  'INHIBIT_COMMON_ALLOCATION',
  'FORCE_GROUP_ALLOCATION',
  'CONSTRUCTORS',
  'CREATE_OBJECT_SYMBOLS',
]);
const DATA_COMMANDS = new Set(['BYTE', 'SHORT', 'LONG', 'QUAD', 'SQUAD', 'FILL']);

type Body = 'top' | 'memory' | 'sections' | 'output';

/** Parses one script file (and everything it INCLUDEs) into statements, in the order ld reads them. */
export function parseScript(src: SourceText, opts: ParseOptions = {}): Statement[] {
  const out: Statement[] = [];
  new Parser(src, opts, out, 0, { includesRead: 0 }).parseBody('top', { inSections: false }, true);
  return out;
}

/** Parses a standalone expression, e.g. the VALUE of `--defsym NAME=VALUE`. */
export function parseExpression(src: SourceText): Expr {
  const p = new Parser(src, {}, [], 0, { includesRead: 0 });
  const e = p.expression();
  const t = p.peek();
  if (t.kind !== 'eof') throw p.errorAt(t, `unexpected ${describe(t)} after the expression`);
  return e;
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of file';
  if (t.kind === 'string') return `"${t.text}"`;
  return `'${t.text}'`;
}

class Parser {
  private pos = 0;
  /** How deep the expression being read is nested (see MAX_EXPRESSION_NESTING). */
  private nesting = 0;

  constructor(
    private readonly src: SourceText,
    private readonly opts: ParseOptions,
    private readonly out: Statement[],
    private readonly depth: number,
    /** Shared by a script and every file it INCLUDEs. */
    private readonly totals: { includesRead: number },
  ) {}

  // ---- tokens -------------------------------------------------------------------------------------

  peek(mode: LexMode = 'expr'): Token {
    return lexAt(this.src, this.pos, mode);
  }

  /** Peeks without throwing (pattern characters such as `[` are not expression tokens). */
  private tryPeek(mode: LexMode): Token | null {
    try {
      return lexAt(this.src, this.pos, mode);
    } catch (e) {
      if (e instanceof LinkerScriptError) return null;
      throw e;
    }
  }

  private peekAfter(t: Token, mode: LexMode = 'expr'): Token {
    return lexAt(this.src, t.end, mode);
  }

  private next(mode: LexMode = 'expr'): Token {
    const t = lexAt(this.src, this.pos, mode);
    this.pos = t.end;
    return t;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private expectOp(op: string, what?: string): Token {
    const t = this.next();
    if (!this.isOp(t, op))
      throw this.errorAt(t, `expected '${op}'${what ? ` ${what}` : ''}, found ${describe(t)}`);
    return t;
  }

  private expectName(what: string, mode: LexMode = 'expr'): Token {
    const t = this.next(mode);
    if (t.kind !== 'name' && t.kind !== 'string')
      throw this.errorAt(t, `expected ${what}, found ${describe(t)}`);
    return t;
  }

  errorAt(t: Token, detail: string): LinkerScriptError {
    return this.src.error(t.start, detail);
  }

  private loc(t: Token): SourceLocation {
    return this.src.locationAt(t.start);
  }

  /** Skips a balanced (...) or {...} group starting at the next token. */
  private skipBalanced(): void {
    const open = this.next('pattern');
    const closeOf: Record<string, string> = { '(': ')', '{': '}' };
    if (!(open.kind === 'op' && closeOf[open.text]))
      throw this.errorAt(open, `expected '(' or '{', found ${describe(open)}`);
    const stack = [closeOf[open.text]];
    while (stack.length > 0) {
      const t = this.next('pattern');
      if (t.kind === 'eof') throw this.errorAt(open, `'${open.text}' is never closed`);
      if (t.kind !== 'op') continue;
      if (closeOf[t.text]) stack.push(closeOf[t.text]);
      else if (t.text === ')' || t.text === '}') {
        const want = stack.pop();
        if (t.text !== want) throw this.errorAt(t, `expected '${want}', found '${t.text}'`);
      }
    }
  }

  private optionalEnd(): void {
    const t = this.peek();
    if (this.isOp(t, ';') || this.isOp(t, ',')) this.pos = t.end;
  }

  // ---- statements ---------------------------------------------------------------------------------

  /** Reads statements of one kind of body until its closing '}' (or the end of an INCLUDEd file). */
  parseBody(body: Body, ctx: StatementContext, untilEof: boolean): void {
    for (;;) {
      const t = body === 'output' ? this.tryPeek('expr') : this.peek();
      if (t && t.kind === 'eof') {
        if (untilEof) return;
        throw this.errorAt(t, "unexpected end of file: a '{' is never closed");
      }
      if (t && this.isOp(t, '}')) {
        if (untilEof) throw this.errorAt(t, "unexpected '}'");
        return;
      }
      if (t && this.isOp(t, ';')) {
        this.pos = t.end;
        continue;
      }
      if (t && t.kind === 'name' && t.text === 'INCLUDE') {
        this.include(body, ctx);
        continue;
      }
      if (body === 'memory') this.memoryRegion();
      else if (body === 'output') this.outputSectionCommand(t, ctx);
      else this.scriptCommand(body, ctx);
    }
  }

  private include(body: Body, ctx: StatementContext): void {
    const kw = this.next();
    const nameTok = this.expectName('a file name after INCLUDE', 'pattern');
    const name = nameTok.text;
    const found = this.opts.resolveInclude?.(name, this.src) ?? null;
    if (!found) {
      this.opts.onWarning?.(`INCLUDE ${name}: file not found (add its folder with -L DIR)`, this.loc(kw));
      return;
    }
    if (this.depth + 1 > MAX_INCLUDE_DEPTH)
      throw this.errorAt(
        kw,
        `INCLUDE ${name}: nested more than ${MAX_INCLUDE_DEPTH} deep (an INCLUDE cycle?)`,
      );
    if (++this.totals.includesRead > MAX_INCLUDES_READ)
      throw this.errorAt(
        kw,
        `INCLUDE ${name}: more than ${MAX_INCLUDES_READ} INCLUDEs read in all (files that INCLUDE the same files over and over?)`,
      );
    new Parser(found, this.opts, this.out, this.depth + 1, this.totals).parseBody(body, ctx, true);
  }

  /** A command at file level or directly inside SECTIONS. */
  private scriptCommand(body: Body, ctx: StatementContext): void {
    const t = this.peek();
    if (t.kind !== 'name') {
      if (body === 'sections' && t.kind === 'op' && t.text === '/') {
        this.outputSection(ctx);
        return;
      }
      throw this.errorAt(
        t,
        `expected a command, an assignment${body === 'sections' ? ' or an output section' : ''}, found ${describe(t)}`,
      );
    }
    const after = this.peekAfter(t);
    if (after.kind === 'op' && ASSIGN_OPS.has(after.text)) {
      this.assignment(ctx, false);
      return;
    }
    switch (t.text) {
      case 'MEMORY':
        if (body !== 'top') break;
        this.pos = t.end;
        this.expectOp('{', 'after MEMORY');
        this.parseBody('memory', ctx, false);
        this.expectOp('}');
        return;
      case 'SECTIONS':
        if (body !== 'top') break;
        this.pos = t.end;
        this.expectOp('{', 'after SECTIONS');
        this.parseBody('sections', { inSections: true }, false);
        this.expectOp('}');
        return;
      case 'PROVIDE':
      case 'PROVIDE_HIDDEN':
      case 'HIDDEN': {
        this.provide(ctx);
        return;
      }
      case 'ASSERT': {
        this.assertion(ctx);
        return;
      }
      case 'REGION_ALIAS': {
        this.regionAlias();
        return;
      }
      case 'SEARCH_DIR': {
        this.pos = t.end;
        this.expectOp('(', 'after SEARCH_DIR');
        const dir = this.expectName('a directory', 'pattern');
        this.expectOp(')');
        this.opts.onSearchDir?.(dir.text, this.src);
        this.optionalEnd();
        return;
      }
      case 'INSERT': {
        this.pos = t.end;
        const where = this.expectName('AFTER or BEFORE');
        if (where.text !== 'AFTER' && where.text !== 'BEFORE')
          throw this.errorAt(where, `expected AFTER or BEFORE, found ${describe(where)}`);
        this.expectName('an output section name', 'pattern');
        this.optionalEnd();
        return;
      }
      case 'OVERLAY':
        if (body !== 'sections') break;
        this.pos = t.end;
        while (!this.isOp(this.peek('pattern'), '{')) {
          const skipped = this.next('pattern');
          if (skipped.kind === 'eof') throw this.errorAt(t, "OVERLAY without '{'");
        }
        this.skipBalanced();
        this.sectionTrailer();
        return;
    }
    if (SKIPPED_COMMANDS.has(t.text) && (this.isOp(after, '(') || this.isOp(after, '{'))) {
      this.pos = t.end;
      this.skipBalanced();
      this.optionalEnd();
      return;
    }
    if (BARE_COMMANDS.has(t.text)) {
      this.pos = t.end;
      this.optionalEnd();
      return;
    }
    if (body === 'sections') {
      this.outputSection(ctx);
      return;
    }
    throw this.errorAt(
      t,
      `expected an assignment ('${t.text} = ...;'), MEMORY, SECTIONS, INCLUDE or another ld command, found ${describe(t)}`,
    );
  }

  private assignment(ctx: StatementContext, provide: boolean): void {
    const nameTok = this.next();
    const op = this.next();
    const expr = this.expression();
    const end = this.next();
    if (!(this.isOp(end, ';') || this.isOp(end, ',')))
      throw this.errorAt(end, `expected ';' after the assignment to ${nameTok.text}, found ${describe(end)}`);
    this.out.push({
      k: 'assign',
      name: nameTok.text,
      op: op.text,
      expr,
      provide,
      loc: this.loc(nameTok),
      ctx,
    });
  }

  /** PROVIDE(name = expr), PROVIDE_HIDDEN(...), HIDDEN(...). */
  private provide(ctx: StatementContext): void {
    const kw = this.next();
    this.expectOp('(', `after ${kw.text}`);
    const nameTok = this.expectName(`a symbol name in ${kw.text}(...)`);
    const op = this.next();
    if (!this.isOp(op, '=')) throw this.errorAt(op, `expected '=' in ${kw.text}(...), found ${describe(op)}`);
    const expr = this.expression();
    this.expectOp(')', `to close ${kw.text}(`);
    this.optionalEnd();
    this.out.push({
      k: 'assign',
      name: nameTok.text,
      op: '=',
      expr,
      provide: kw.text !== 'HIDDEN',
      loc: this.loc(nameTok),
      ctx,
    });
  }

  private assertion(ctx: StatementContext): void {
    const kw = this.next();
    this.expectOp('(', 'after ASSERT');
    const expr = this.expression();
    let message = '';
    if (this.isOp(this.peek(), ',')) {
      this.next();
      const m = this.next();
      if (m.kind !== 'string' && m.kind !== 'name')
        throw this.errorAt(m, `expected the ASSERT message, found ${describe(m)}`);
      message = m.text;
    }
    this.expectOp(')', 'to close ASSERT(');
    this.optionalEnd();
    this.out.push({ k: 'assert', expr, message, loc: this.loc(kw), ctx });
  }

  private regionAlias(): void {
    const kw = this.next();
    this.expectOp('(', 'after REGION_ALIAS');
    const alias = this.expectName('the alias name');
    this.expectOp(',', 'between the alias and the region');
    const region = this.expectName('a region name');
    this.expectOp(')', 'to close REGION_ALIAS(');
    this.optionalEnd();
    this.out.push({ k: 'alias', alias: alias.text, region: region.text, loc: this.loc(kw) });
  }

  /** `NAME (attrs) : ORIGIN = expr, LENGTH = expr` inside MEMORY. */
  private memoryRegion(): void {
    const nameTok = this.expectName('a memory region name');
    let attributes = '';
    if (this.isOp(this.peek(), '(')) {
      const open = this.next();
      const close = this.src.text.indexOf(')', open.end);
      if (close < 0) throw this.errorAt(open, "region attributes: '(' is never closed");
      attributes = this.src.text.slice(open.end, close).trim();
      this.pos = close + 1;
    }
    this.expectOp(':', `after memory region ${nameTok.text}`);
    const origin = this.regionField(['ORIGIN', 'org', 'o'], nameTok.text);
    if (this.isOp(this.peek(), ',')) this.next();
    const length = this.regionField(['LENGTH', 'len', 'l'], nameTok.text);
    this.out.push({ k: 'region', name: nameTok.text, attributes, origin, length, loc: this.loc(nameTok) });
  }

  private regionField(spellings: string[], region: string): Expr {
    const t = this.next();
    if (t.kind !== 'name' || !spellings.includes(t.text))
      throw this.errorAt(
        t,
        `expected ${spellings[0]} = ... for memory region ${region}, found ${describe(t)}`,
      );
    this.expectOp('=', `after ${t.text}`);
    return this.expression();
  }

  /** `.name [address] [(type)] : [AT(...)] [ALIGN(...)] { ... } [>REGION] [AT>REGION] [:phdr] [=fill]` */
  private outputSection(_ctx: StatementContext): void {
    const start = skipBlanks(this.src, this.pos);
    let name: string;
    let nameTok: Token;
    if (this.src.text.startsWith('/DISCARD/', start)) {
      name = '/DISCARD/';
      nameTok = { kind: 'name', text: name, start, end: start + name.length };
      this.pos = nameTok.end;
    } else {
      nameTok = this.next();
      if (nameTok.kind !== 'name')
        throw this.errorAt(
          nameTok,
          `expected an output section, an assignment or a command, found ${describe(nameTok)}`,
        );
      name = nameTok.text;
    }
    // The address expression and (NOLOAD)/(COPY)-style type, up to the ':'.
    this.skipUntil(':', name, "':' after the output section name");
    this.next();
    // AT(lma), ALIGN(n), SUBALIGN(n), ONLY_IF_RO... up to the '{'.
    this.skipUntil('{', name, `'{' to open output section ${name}`);
    this.next();
    this.parseBody('output', { inSections: true, outputSection: name }, false);
    this.expectOp('}');
    const { region, loadRegion } = this.sectionTrailer();
    this.out.push({ k: 'section', name, region, loadRegion, loc: this.loc(nameTok) });
  }

  /** Skips tokens (balanced parentheses included) up to `op`, which stays unread. */
  private skipUntil(op: string, section: string, what: string): void {
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, op)) return;
      if (this.isOp(t, '(')) {
        this.skipBalanced();
        continue;
      }
      if (t.kind === 'eof' || this.isOp(t, ';') || this.isOp(t, '{') || this.isOp(t, '}'))
        throw this.errorAt(t, `expected ${what} (output section ${section}), found ${describe(t)}`);
      this.pos = t.end;
    }
  }

  private sectionTrailer(): { region?: string; loadRegion?: string } {
    let region: string | undefined;
    let loadRegion: string | undefined;
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '>')) {
        this.next();
        region = this.expectName('a memory region after >').text;
      } else if (t.kind === 'name' && t.text === 'AT' && this.isOp(this.peekAfter(t), '>')) {
        this.next();
        this.next();
        loadRegion = this.expectName('a memory region after AT>').text;
      } else if (this.isOp(t, ':') && this.peekAfter(t).kind === 'name') {
        this.next();
        this.next();
      } else if (this.isOp(t, '=')) {
        this.next();
        this.expression();
      } else {
        if (this.isOp(t, ',')) this.next();
        return { region, loadRegion };
      }
    }
  }

  /** One command inside an output section's braces. */
  private outputSectionCommand(t: Token | null, ctx: StatementContext): void {
    if (t && t.kind === 'name') {
      const after = this.tryPeekAfter(t);
      if (after && after.kind === 'op' && ASSIGN_OPS.has(after.text)) {
        this.assignment(ctx, false);
        return;
      }
      if (t.text === 'PROVIDE' || t.text === 'PROVIDE_HIDDEN' || t.text === 'HIDDEN') {
        this.provide(ctx);
        return;
      }
      if (t.text === 'ASSERT') {
        this.assertion(ctx);
        return;
      }
      if (DATA_COMMANDS.has(t.text) && after && this.isOp(after, '(')) {
        this.pos = t.end;
        this.expectOp('(');
        this.expression();
        this.expectOp(')', `to close ${t.text}(`);
        this.optionalEnd();
        return;
      }
      if (BARE_COMMANDS.has(t.text)) {
        this.pos = t.end;
        this.optionalEnd();
        return;
      }
    }
    // An input section description: a file pattern, then optionally (section patterns).
    const p = this.next('pattern');
    if (p.kind !== 'name' && p.kind !== 'string') {
      if (!(p.kind === 'op' && p.text === '('))
        throw this.errorAt(p, `unexpected ${describe(p)} in an output section`);
      this.pos = p.start;
    }
    if (this.isOp(this.peek('pattern'), '(')) this.skipBalanced();
    this.optionalEnd();
  }

  private tryPeekAfter(t: Token): Token | null {
    try {
      return lexAt(this.src, t.end, 'expr');
    } catch (e) {
      if (e instanceof LinkerScriptError) return null;
      throw e;
    }
  }

  // ---- expressions --------------------------------------------------------------------------------

  expression(): Expr {
    this.enterNesting();
    const c = this.binary(1);
    let e: Expr = c;
    if (this.isOp(this.peek(), '?')) {
      this.next();
      const t = this.expression();
      this.expectOp(':', "in 'a ? b : c'");
      const f = this.expression();
      e = { k: 'cond', c, t, f };
    }
    this.nesting--;
    return e;
  }

  private enterNesting(): void {
    if (++this.nesting > MAX_EXPRESSION_NESTING)
      throw this.errorAt(
        this.peek(),
        `expression nested more than ${MAX_EXPRESSION_NESTING} deep (parentheses, unary operators, '?:' or function calls)`,
      );
  }

  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const prec = t.kind === 'op' ? BINARY_PRECEDENCE[t.text] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.next();
      const right = this.binary(prec + 1);
      left = { k: 'binary', op: t.text, l: left, r: right, loc: this.loc(t) };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '!' || t.text === '~' || t.text === '+')) {
      this.next();
      this.enterNesting();
      const e: Expr = { k: 'unary', op: t.text, e: this.unary() };
      this.nesting--;
      return e;
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === 'number') return { k: 'num', value: t.value! };
    if (this.isOp(t, '(')) {
      const e = this.expression();
      this.expectOp(')', 'to close the parenthesis');
      return e;
    }
    if (t.kind === 'string') return { k: 'sym', name: t.text, loc: this.loc(t) };
    if (t.kind !== 'name') throw this.errorAt(t, `expected a number, a symbol or '(', found ${describe(t)}`);
    if (t.text === '.') return { k: 'dot', loc: this.loc(t) };
    if (t.text === 'SIZEOF_HEADERS' || t.text === 'sizeof_headers')
      return { k: 'call', fn: 'SIZEOF_HEADERS', args: [], loc: this.loc(t) };
    if (!this.isOp(this.peek(), '(')) return { k: 'sym', name: t.text, loc: this.loc(t) };

    const fn = t.text;
    if (NAME_FUNCTIONS.has(fn)) {
      this.next();
      const arg = this.expectName(`a name in ${fn}(...)`);
      this.expectOp(')', `to close ${fn}(`);
      return { k: 'call', fn, args: [], name: arg.text, loc: this.loc(t) };
    }
    if (!EXPR_FUNCTIONS.has(fn)) throw this.errorAt(t, `unknown function ${fn}(...)`);
    this.next();
    const args: Expr[] = [];
    if (fn === 'SEGMENT_START') {
      const seg = this.next();
      if (seg.kind !== 'string' && seg.kind !== 'name')
        throw this.errorAt(seg, `expected a segment name in SEGMENT_START(...), found ${describe(seg)}`);
      this.expectOp(',', 'in SEGMENT_START(name, default)');
    }
    if (!this.isOp(this.peek(), ')')) {
      args.push(this.expression());
      while (this.isOp(this.peek(), ',')) {
        this.next();
        if (fn === 'ASSERT') {
          const m = this.next();
          if (m.kind !== 'string' && m.kind !== 'name')
            throw this.errorAt(m, `expected the ASSERT message, found ${describe(m)}`);
          continue;
        }
        args.push(this.expression());
      }
    }
    this.expectOp(')', `to close ${fn}(`);
    return { k: 'call', fn, args, loc: this.loc(t) };
  }
}

/** Convenience for tests and --defsym: parse a text held in memory. */
export function sourceOf(file: string, text: string): SourceText {
  return new SourceText(file, text);
}
