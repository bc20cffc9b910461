/**
 * Evaluates a parsed linker script the way ld resolves its symbols, without linking anything.
 *
 * ld lets an assignment use a symbol defined further down (nrf's memory.ld uses `_ram_end`, which
 * common.ld defines later), so evaluation runs in passes: each pass reads the statements in order,
 * and a symbol not yet assigned in this pass takes its value from the previous pass. Passes repeat
 * until nothing changes. What only a real link knows (the location counter `.`, SIZEOF(.bss), a symbol
 * from an object file) stays unknown, with the names it waits for, unless a `.map` file supplies it;
 * nothing is guessed.
 */
import type { Expr, Statement } from './ast.js';
import { formatLocation, type SourceLocation } from './source.js';

/** A value, or the reasons it cannot be known before linking. */
export type Value = { known: true; v: bigint } | { known: false; waitsFor: Set<string> };

export interface LinkFacts {
  /** Symbol values from a `.map` file (or an ELF symbol table): what the link decided. */
  symbols?: Map<string, bigint>;
  /** Output sections from a `.map` file: address, size, load address. */
  sections?: Map<string, { addr: bigint; size: bigint; loadAddr?: bigint }>;
}

export interface EvaluateOptions {
  /** `--defsym NAME=VALUE`, in command-line order; evaluated before the scripts. */
  defsyms?: { name: string; expr: Expr; loc: SourceLocation }[];
  link?: LinkFacts;
  /** Replace a region's LENGTH (used to ask "what if RAM were 192K?"). */
  regionLength?: Map<string, bigint>;
}

export interface RegionValue {
  name: string;
  attributes: string;
  origin: Value;
  length: Value;
  loc: SourceLocation;
  /** Output sections placed in it (`> RAM`), in script order. */
  sections: string[];
}

export interface SymbolInfo {
  name: string;
  value: Value;
  /** Where its effective assignment is (undefined for --defsym, map-only or never-assigned names). */
  loc?: SourceLocation;
  /** The expression text's origin: 'script', 'defsym', 'map' (the link's value), or 'undefined'. */
  from: 'script' | 'defsym' | 'map' | 'undefined';
  /** The assignment's right-hand side uses no symbol, region or `.`: a fixed number. */
  literal: boolean;
  /** Symbols and regions its expression names directly. */
  uses: string[];
  /** Set by a PROVIDE that took effect. */
  provided: boolean;
}

export interface AssertResult {
  loc: SourceLocation;
  message: string;
  /** true: holds; false: fails; null: cannot be checked before linking. */
  holds: boolean | null;
  waitsFor: string[];
}

export interface Diagnostic {
  severity: 'warning' | 'note';
  message: string;
  loc?: SourceLocation;
}

export interface Evaluation {
  regions: RegionValue[];
  aliases: Map<string, string>;
  /** Every symbol the scripts assign or use, and every --defsym. */
  symbols: Map<string, SymbolInfo>;
  asserts: AssertResult[];
  diagnostics: Diagnostic[];
  /** Names the unknown values wait for at the root: link-time symbols, undefined symbols, `.`. */
  rootUnknowns: Map<string, string>;
}

const MAX_PASSES = 12;
const U64 = 64;

/** ld computes in bfd_vma (64-bit, unsigned on the way in); we keep the signed view for printing. */
const wrap = (v: bigint) => BigInt.asIntN(U64, v);

const known = (v: bigint): Value => ({ known: true, v: wrap(v) });
const unknown = (...names: string[]): Value => ({ known: false, waitsFor: new Set(names) });
function merge(...vs: Value[]): Value {
  const s = new Set<string>();
  for (const v of vs) if (!v.known) for (const n of v.waitsFor) s.add(n);
  return { known: false, waitsFor: s };
}

/**
 * The binary nodes down the left side of `((a + b) + c) + d`, outermost first, and the operand at the
 * bottom (`a`). A sum of 10,000 terms is a left spine 10,000 deep: the walkers below loop along it
 * and recurse only into right operands, whose depth the parser bounds (MAX_EXPRESSION_NESTING).
 */
function leftSpine(e: Extract<Expr, { k: 'binary' }>): {
  links: Extract<Expr, { k: 'binary' }>[];
  bottom: Expr;
} {
  const links: Extract<Expr, { k: 'binary' }>[] = [];
  let x: Expr = e;
  while (x.k === 'binary') {
    links.push(x);
    x = x.l;
  }
  return { links, bottom: x };
}

/** What the statements name: symbols, regions (as `ORIGIN(R)`-style uses) and whether `.` appears. */
export function namesIn(e: Expr, out: string[] = []): string[] {
  switch (e.k) {
    case 'sym':
      out.push(e.name);
      break;
    case 'dot':
      out.push('.');
      break;
    case 'unary':
      namesIn(e.e, out);
      break;
    case 'binary': {
      const { links, bottom } = leftSpine(e);
      namesIn(bottom, out);
      for (let i = links.length - 1; i >= 0; i--) namesIn(links[i].r, out);
      break;
    }
    case 'cond':
      namesIn(e.c, out);
      namesIn(e.t, out);
      namesIn(e.f, out);
      break;
    case 'call':
      if (e.name !== undefined) out.push(`${e.fn}(${e.name})`);
      for (const a of e.args) namesIn(a, out);
      break;
  }
  return out;
}

export function evaluateScript(statements: Statement[], opts: EvaluateOptions = {}): Evaluation {
  const link = opts.link ?? {};
  const linkSymbols = link.symbols ?? new Map<string, bigint>();
  const linkSections = link.sections ?? new Map();
  const diagnostics: Diagnostic[] = [];
  const aliases = new Map<string, string>();
  for (const s of statements) if (s.k === 'alias') aliases.set(s.alias, s.region);

  // A PROVIDE only counts when no ordinary assignment, --defsym or the link defines the name.
  const plainlyAssigned = new Set<string>();
  for (const s of statements) if (s.k === 'assign' && !s.provide) plainlyAssigned.add(s.name);
  for (const d of opts.defsyms ?? []) plainlyAssigned.add(d.name);

  let previous = new Map<string, Value>();
  let previousRegions = new Map<string, { origin: Value; length: Value }>();
  let env = new Map<string, Value>();
  let regions = new Map<string, { origin: Value; length: Value }>();
  let evaluatingSelf: string | undefined;
  let passFailures: Diagnostic[] = [];

  const regionName = (n: string) => aliases.get(n) ?? n;
  const lookupRegion = (n: string) => regions.get(regionName(n)) ?? previousRegions.get(regionName(n));

  const lookup = (name: string): Value => {
    const fromLink = linkSymbols.get(name);
    if (fromLink !== undefined) return known(fromLink);
    // An unknown symbol is reported as itself, so the chain _heap_start -> _ebss -> `.` stays visible.
    const now = env.get(name);
    if (now) return now.known ? now : unknown(name);
    if (name !== evaluatingSelf) {
      const before = previous.get(name);
      if (before) return before.known ? before : unknown(name);
    }
    return unknown(name);
  };

  const evalExpr = (e: Expr): Value => {
    switch (e.k) {
      case 'num':
        return known(e.value);
      case 'sym':
        return lookup(e.name);
      case 'dot':
        return unknown('.');
      case 'unary': {
        const x = evalExpr(e.e);
        if (!x.known) return x;
        if (e.op === '-') return known(-x.v);
        if (e.op === '!') return known(x.v === 0n ? 1n : 0n);
        if (e.op === '~') return known(~x.v);
        return x;
      }
      case 'cond': {
        const c = evalExpr(e.c);
        if (!c.known) return c;
        return evalExpr(c.v !== 0n ? e.t : e.f);
      }
      case 'binary': {
        // Left operand before right, innermost first, as the recursion would; the unknown names
        // gather in one set so that a long sum of unknowns stays linear.
        const { links, bottom } = leftSpine(e);
        let acc = evalExpr(bottom);
        let waits: Set<string> | null = null;
        for (let i = links.length - 1; i >= 0; i--) {
          const r = evalExpr(links[i].r);
          if (acc.known && r.known) {
            acc = binary(links[i].op, acc.v, r.v, links[i].loc);
            continue;
          }
          if (!waits) {
            waits = new Set(acc.known ? [] : acc.waitsFor);
            acc = { known: false, waitsFor: waits };
          }
          if (!r.known) for (const n of r.waitsFor) waits.add(n);
        }
        return acc;
      }
      case 'call':
        return call(e);
    }
  };

  const binary = (op: string, a: bigint, b: bigint, loc: SourceLocation): Value => {
    switch (op) {
      case '+':
        return known(a + b);
      case '-':
        return known(a - b);
      case '*':
        return known(a * b);
      case '/':
      case '%':
        if (b === 0n) {
          passFailures.push({ severity: 'warning', message: `division by zero`, loc });
          return unknown('division by zero');
        }
        return known(op === '/' ? a / b : a % b);
      case '<<':
        return known(a << (b & 63n));
      case '>>':
        return known(BigInt.asUintN(U64, a) >> (b & 63n));
      case '&':
        return known(a & b);
      case '|':
        return known(a | b);
      case '^':
        return known(a ^ b);
      case '&&':
        return known(a !== 0n && b !== 0n ? 1n : 0n);
      case '||':
        return known(a !== 0n || b !== 0n ? 1n : 0n);
      case '==':
        return known(a === b ? 1n : 0n);
      case '!=':
        return known(a !== b ? 1n : 0n);
      case '<':
        return known(a < b ? 1n : 0n);
      case '<=':
        return known(a <= b ? 1n : 0n);
      case '>':
        return known(a > b ? 1n : 0n);
      case '>=':
        return known(a >= b ? 1n : 0n);
    }
    return unknown(op);
  };

  const call = (e: Extract<Expr, { k: 'call' }>): Value => {
    const arg = (i: number) => evalExpr(e.args[i]);
    switch (e.fn) {
      case 'ORIGIN':
      case 'ORG':
      case 'LENGTH':
      case 'LEN': {
        const r = lookupRegion(e.name!);
        const field = e.fn === 'ORIGIN' || e.fn === 'ORG' ? 'origin' : 'length';
        if (!r) {
          if (!statements.some((s) => s.k === 'region' && s.name === regionName(e.name!)))
            passFailures.push({
              severity: 'warning',
              message: `${e.fn}(${e.name}): no memory region named ${e.name}`,
              loc: e.loc,
            });
          return unknown(`${field === 'origin' ? 'ORIGIN' : 'LENGTH'}(${e.name})`);
        }
        return r[field];
      }
      case 'DEFINED':
        return known(env.has(e.name!) || linkSymbols.has(e.name!) ? 1n : 0n);
      case 'ADDR':
      case 'LOADADDR':
      case 'SIZEOF':
      case 'ALIGNOF': {
        const s = linkSections.get(e.name!);
        if (e.fn === 'ADDR' && s) return known(s.addr);
        if (e.fn === 'SIZEOF' && s) return known(s.size);
        if (e.fn === 'LOADADDR' && s) return known(s.loadAddr ?? s.addr);
        return unknown(`${e.fn}(${e.name})`);
      }
      case 'CONSTANT':
      case 'SIZEOF_HEADERS':
        return unknown(e.name ? `CONSTANT(${e.name})` : 'SIZEOF_HEADERS');
      case 'ABSOLUTE':
        return arg(0);
      case 'ALIGN':
      case 'BLOCK': {
        if (e.args.length === 1) {
          // ALIGN(n) aligns the location counter: only the link knows it.
          const n = arg(0);
          return n.known ? unknown('.') : merge(n, unknown('.'));
        }
        const [v, a] = [arg(0), arg(1)];
        if (!v.known || !a.known) return merge(v, a);
        if (a.v <= 0n) return v;
        return known(((v.v + a.v - 1n) / a.v) * a.v);
      }
      case 'MAX':
      case 'MIN': {
        const [a, b] = [arg(0), arg(1)];
        if (!a.known || !b.known) return merge(a, b);
        // BigInt has no Math.max: MAX takes a when a is bigger, MIN when it is not.
        return known((e.fn === 'MAX') === a.v > b.v ? a.v : b.v);
      }
      case 'LOG2CEIL': {
        const a = arg(0);
        if (!a.known) return a;
        let n = 0n;
        while (1n << n < a.v) n++;
        return known(n);
      }
      case 'SEGMENT_START':
        return arg(0);
      case 'ASSERT':
        return arg(0);
      default:
        return unknown(`${e.fn}(...)`);
    }
  };

  const sameValue = (a: Value | undefined, b: Value | undefined) =>
    !!a && !!b && a.known === b.known && (!a.known || (b.known && a.v === b.v));

  const assignedAt = new Map<string, Extract<Statement, { k: 'assign' }>>();
  let asserts: AssertResult[] = [];

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    env = new Map();
    regions = new Map();
    asserts = [];
    passFailures = [];
    for (const d of opts.defsyms ?? []) env.set(d.name, evalExpr(d.expr));
    for (const s of statements) {
      if (s.k === 'region') {
        const override = opts.regionLength?.get(s.name);
        regions.set(s.name, {
          origin: evalExpr(s.origin),
          length: override !== undefined ? known(override) : evalExpr(s.length),
        });
      } else if (s.k === 'assign') {
        if (s.name === '.') continue;
        if (s.provide && (plainlyAssigned.has(s.name) || linkSymbols.has(s.name))) continue;
        evaluatingSelf = s.name;
        let v = evalExpr(s.expr);
        if (s.op !== '=') {
          const base = env.get(s.name) ?? unknown(s.name);
          v = base.known && v.known ? binary(s.op.slice(0, -1), base.v, v.v, s.loc) : merge(base, v);
        }
        evaluatingSelf = undefined;
        const fromLink = linkSymbols.get(s.name);
        env.set(s.name, fromLink !== undefined ? known(fromLink) : v);
        assignedAt.set(s.name, s);
      } else if (s.k === 'assert') {
        const v = evalExpr(s.expr);
        asserts.push({
          loc: s.loc,
          message: s.message,
          holds: v.known ? v.v !== 0n : null,
          waitsFor: v.known ? [] : [...v.waitsFor].sort(),
        });
      }
    }
    const stable =
      env.size === previous.size &&
      [...env].every(([k, v]) => sameValue(v, previous.get(k))) &&
      [...regions].every(([k, r]) => {
        const p = previousRegions.get(k);
        return !!p && sameValue(r.origin, p.origin) && sameValue(r.length, p.length);
      });
    previous = env;
    previousRegions = regions;
    if (stable) break;
    if (pass === MAX_PASSES - 1)
      diagnostics.push({
        severity: 'warning',
        message: `symbol values did not settle after ${MAX_PASSES} passes (an assignment that depends on itself, or a chain of more than ${MAX_PASSES} forward references?)`,
      });
  }
  diagnostics.push(...dedupe(passFailures));

  // ---- results ----------------------------------------------------------------------------------
  const symbols = new Map<string, SymbolInfo>();
  for (const d of opts.defsyms ?? []) {
    symbols.set(d.name, {
      name: d.name,
      value: env.get(d.name)!,
      from: 'defsym',
      literal: namesIn(d.expr).length === 0,
      uses: namesIn(d.expr),
      provided: false,
    });
  }
  for (const [name, s] of assignedAt) {
    const uses = namesIn(s.expr);
    symbols.set(name, {
      name,
      value: env.get(name)!,
      loc: s.loc,
      from: linkSymbols.has(name) ? 'map' : 'script',
      literal: uses.length === 0,
      uses,
      provided: s.provide,
    });
  }
  // Names used but assigned nowhere: from the link (map) or unknown.
  const used = new Set<string>();
  for (const s of statements) {
    if (s.k === 'assign' && s.name !== '.') used.add(s.name);
    if (s.k === 'assign' || s.k === 'assert') for (const n of namesIn(s.expr)) used.add(n);
    if (s.k === 'region') for (const n of [...namesIn(s.origin), ...namesIn(s.length)]) used.add(n);
  }
  for (const n of used) {
    if (n === '.' || n.includes('(') || symbols.has(n)) continue;
    const fromLink = linkSymbols.get(n);
    symbols.set(n, {
      name: n,
      value: fromLink !== undefined ? known(fromLink) : unknown(n),
      from: fromLink !== undefined ? 'map' : 'undefined',
      literal: false,
      uses: [],
      provided: false,
    });
  }

  const rootUnknowns = new Map<string, string>();
  const explain = (n: string): string => {
    if (n === '.') return 'the location counter: only the link knows it';
    if (/^(SIZEOF|ADDR|LOADADDR|ALIGNOF)\(/.test(n)) return 'set by the link (pass --map FILE.map)';
    if (/^(ORIGIN|LENGTH)\(/.test(n)) return 'the memory region is not defined or not known';
    const info = symbols.get(n);
    if (info?.from === 'undefined') return 'not defined in the scripts: the link or a --defsym sets it';
    if (info?.loc) return `set by the link at ${formatLocation(info.loc)} (pass --map FILE.map)`;
    return 'unknown';
  };
  const unknownNames = [...symbols.values()].filter((i) => !i.value.known).map((i) => i.name);
  for (const root of rootsOf(unknownNames, symbols)) rootUnknowns.set(root, explain(root));

  const regionList: RegionValue[] = [];
  for (const s of statements) {
    if (s.k !== 'region') continue;
    const r = previousRegions.get(s.name)!;
    regionList.push({
      name: s.name,
      attributes: s.attributes,
      origin: r.origin,
      length: r.length,
      loc: s.loc,
      sections: [],
    });
  }
  for (const s of statements) {
    if (s.k !== 'section' || !s.region) continue;
    const r = regionList.find((x) => x.name === regionName(s.region!));
    r?.sections.push(s.name);
  }
  for (const a of asserts)
    if (a.holds === false)
      diagnostics.push({
        severity: 'warning',
        message: `ASSERT fails: ${a.message || '(no message)'}`,
        loc: a.loc,
      });

  return { regions: regionList, aliases, symbols, asserts, diagnostics, rootUnknowns };
}

/**
 * The unknowns at the bottom of the symbols' chains: `_heap_start = _ebss` waits for `_ebss`, which
 * waits for `.`; the root reported is `_ebss` (a named thing a map file can supply), not `.`.
 */
function rootsOf(names: string[], symbols: Map<string, SymbolInfo>): string[] {
  const out = new Set<string>();
  const seen = new Set<string>(names);
  // A work list shared by all the names, not recursion: a chain of 10,000 forward references is
  // 10,000 links long, and each link is walked once.
  const todo = [...names];
  while (todo.length > 0) {
    const n = todo.pop()!;
    const info = symbols.get(n);
    if (!info) {
      out.add(n);
      continue;
    }
    if (info.value.known) continue;
    for (const w of info.value.waitsFor) {
      // `.`, SIZEOF(.bss) and the like: this symbol itself is what the link sets.
      if (w === n || w === '.' || w.includes('(') || !symbols.has(w)) out.add(n);
      else if (!seen.has(w)) {
        seen.add(w);
        todo.push(w);
      }
    }
  }
  return [...out];
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.loc ? formatLocation(d.loc) : ''} ${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A Value as a JavaScript number, or null when unknown (addresses fit in 53 bits on every MCU). */
export function numberOf(v: Value | undefined): number | null {
  return v?.known ? Number(v.v) : null;
}
