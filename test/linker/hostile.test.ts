/**
 * Hostile linker scripts: deep nesting, long sums, long chains of forward references, INCLUDE
 * fan-out, numbers past 64 bits and random token soup. Each ends in a result or a
 * LinkerScriptError naming its place, never a JavaScript stack overflow, in bounded time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateScript } from '../../src/linker/evaluate.js';
import { MAX_EXPRESSION_NESTING, MAX_INCLUDES_READ, parseScript } from '../../src/linker/parser.js';
import { LinkerScriptError, SourceText } from '../../src/linker/source.js';
import { runCli } from '../support/cli.js';

const evalText = (text: string) => evaluateScript(parseScript(new SourceText('t.ld', text)));
const symbolValue = (text: string, name: string) => {
  const v = evalText(text).symbols.get(name)?.value;
  return v?.known ? v.v : null;
};
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof LinkerScriptError) return e.message;
    throw e;
  }
  throw new Error('no error');
}

describe('deep and long expressions', () => {
  it('reads parentheses nested up to the limit, and names the place past it', () => {
    const n = MAX_EXPRESSION_NESTING - 1;
    expect(symbolValue(`x = ${'('.repeat(n)}7${')'.repeat(n)};`, 'x')).toBe(7n);
    expect(errorOf(() => evalText(`x = ${'('.repeat(2000)}1${')'.repeat(2000)};`))).toBe(
      `t.ld:1:205: expression nested more than ${MAX_EXPRESSION_NESTING} deep (parentheses, unary operators, '?:' or function calls)`,
    );
    expect(errorOf(() => evalText(`x = ${'-'.repeat(10_000)}1;`))).toContain('nested more than');
    expect(errorOf(() => evalText(`x = ${'MAX(1, '.repeat(1000)}1${')'.repeat(1000)};`))).toContain(
      'nested more than',
    );
  });

  it('sums 10,000 terms and 10,000 unknowns without recursion', () => {
    expect(symbolValue(`x = ${Array(10_000).fill('3').join(' + ')};`, 'x')).toBe(30_000n);
    expect(symbolValue(`x = ${Array(10_000).fill('2').join(' * 1 - 1 + ')};`, 'x')).toBe(10_001n);
    const ev = evalText(`x = ${Array.from({ length: 10_000 }, (_, i) => `u${i}`).join(' + ')};`);
    const x = ev.symbols.get('x')!.value;
    expect(x.known).toBe(false);
    if (!x.known) expect(x.waitsFor.size).toBe(10_000);
  });

  it('follows a chain of 10,000 forward references without overflowing, and says it did not settle', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `s${i} = s${i + 1} + 1;`);
    const ev = evalText(`${lines.join('\n')}\ns10000 = 5;\n`);
    expect(ev.symbols.get('s9999')!.value).toEqual({ known: true, v: 6n });
    expect(ev.symbols.get('s0')!.value.known).toBe(false);
    expect(ev.diagnostics.map((d) => d.message)).toContain(
      'symbol values did not settle after 12 passes (an assignment that depends on itself, or a chain of more than 12 forward references?)',
    );
    // A short chain settles, as ld's passes settle it.
    const short = Array.from({ length: 8 }, (_, i) => `t${i} = t${i + 1} + 1;`).join('\n');
    expect(symbolValue(`${short}\nt8 = 5;`, 't0')).toBe(13n);
  });
});

describe('INCLUDE fan-out', () => {
  /** Level d INCLUDEs level d+1 `fan` times; the last level assigns a symbol. */
  const fanOut = (fan: number, levels: number) => {
    const files = new Map<string, string>();
    for (let d = 0; d < levels; d++) files.set(`f${d}.ld`, `INCLUDE f${d + 1}.ld\n`.repeat(fan));
    files.set(`f${levels}.ld`, 'a += 1;\n');
    return (text: string) =>
      parseScript(new SourceText('top.ld', text), {
        resolveInclude: (name) => (files.has(name) ? new SourceText(name, files.get(name)!) : null),
      });
  };

  it('reads a fan-out under the limit in full', () => {
    const statements = fanOut(2, 5)('a = 0;\nINCLUDE f0.ld\n');
    expect(evaluateScript(statements).symbols.get('a')!.value).toEqual({ known: true, v: 32n });
  });

  it('stops an exponential fan-out at the limit, naming its place', () => {
    const t0 = process.hrtime.bigint();
    expect(errorOf(() => fanOut(4, 9)('INCLUDE f0.ld\n'))).toMatch(
      new RegExp(`^f\\d\\.ld:\\d+:1: INCLUDE f\\d\\.ld: more than ${MAX_INCLUDES_READ} INCLUDEs read in all`),
    );
    // Recorded, not asserted as a timer: the limit is what bounds it (4^9 files without it).
    expect(Number(process.hrtime.bigint() - t0) / 1e9).toBeLessThan(30);
  });
});

describe('numbers', () => {
  it('refuses a number past 64 bits and prints 64-bit values unsigned', async () => {
    expect(errorOf(() => evalText('MEMORY { RAM : ORIGIN = 0xFFFFFFFFFFFFFFFFFFFF, LENGTH = 4K }'))).toBe(
      "t.ld:1:25: number '0xFFFFFFFFFFFFFFFFFFFF' does not fit in 64 bits (ld computes in 64-bit addresses)",
    );
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-ld-'));
    writeFileSync(join(dir, 'top.ld'), 'MEMORY { RAM (rwx) : ORIGIN = 0xFFFFFFFFFFFFFFFF, LENGTH = 16 }\n');
    const r = await runCli('linker', join(dir, 'top.ld'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/RAM\s+0xFFFFFFFFFFFFFFFF\s/);
    // The temporary folder's random name may itself hold "-1"; only the figures matter.
    expect(r.stdout.replaceAll(dir, '<dir>')).not.toContain('-1');
  });
});

describe('random scripts', () => {
  const TOKENS = [
    '(',
    ')',
    '{',
    '}',
    ';',
    ',',
    '=',
    '+',
    '-',
    '*',
    '/',
    '%',
    '<<',
    '>>',
    '?',
    ':',
    '!',
    '~',
    '&&',
    '||',
    'a',
    'b',
    '.',
    '0',
    '1',
    '0x10',
    '16K',
    '077',
    'MAX',
    'ALIGN',
    'ORIGIN',
    'DEFINED',
    'MEMORY',
    'SECTIONS',
    'RAM',
    'ORIGIN',
    'LENGTH',
    'PROVIDE',
    'ASSERT',
    '"msg"',
    '/*c*/',
    '\n',
    '.text',
    '*(.text*)',
    'INCLUDE',
    'x.ld',
    '#if 1\n',
    '>',
    'AT',
  ];
  it('end in statements or a LinkerScriptError, never another exception', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (tokens) => {
        const text = tokens.join(' ');
        try {
          evaluateScript(parseScript(new SourceText('r.ld', text), { resolveInclude: () => null }));
        } catch (e) {
          if (!(e instanceof LinkerScriptError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a 1 MB line of assignments', () => {
    const line = 'a = a + 1; '.repeat(100_000);
    expect(symbolValue(`a = 0; ${line}`, 'a')).toBe(100_000n);
  });
});
