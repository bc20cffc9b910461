/** The lexer, parser and evaluator on small scripts: every figure below is worked out by hand. */
import { describe, expect, it } from 'vitest';
import { type Evaluation, evaluateScript } from '../../src/linker/evaluate.js';
import { lexAt } from '../../src/linker/lexer.js';
import { parseDefsym } from '../../src/linker/load.js';
import { parseMapFile } from '../../src/linker/map-file.js';
import { parseExpression, parseScript } from '../../src/linker/parser.js';
import { LinkerScriptError, SourceText } from '../../src/linker/source.js';

function evalText(text: string, opts: Parameters<typeof evaluateScript>[1] = {}): Evaluation {
  return evaluateScript(parseScript(new SourceText('t.ld', text)), opts);
}
function value(ev: Evaluation, name: string): number | null {
  const v = ev.symbols.get(name)?.value;
  return v?.known ? Number(v.v) : null;
}
function exprValue(text: string): number | null {
  const ev = evaluateScript(parseScript(new SourceText('e.ld', `x = ${text};`)));
  return value(ev, 'x');
}
function syntaxError(text: string): string {
  try {
    parseScript(new SourceText('bad.ld', text));
  } catch (e) {
    if (e instanceof LinkerScriptError) return e.message;
    throw e;
  }
  throw new Error('no error');
}

describe('lexer', () => {
  it('reads numbers with K and M suffixes, hex and octal', () => {
    const src = new SourceText('n', '16K 0x1C000 1M 010 0k 256k');
    const values: bigint[] = [];
    let pos = 0;
    for (;;) {
      const t = lexAt(src, pos, 'expr');
      if (t.kind === 'eof') break;
      values.push(t.value!);
      pos = t.end;
    }
    expect(values).toEqual([16384n, 0x1c000n, 1048576n, 8n, 0n, 262144n]);
  });

  it('reads a file-name pattern as one token in pattern mode and as pieces in expression mode', () => {
    const src = new SourceText('p', '*libgcc.a: rest');
    expect(lexAt(src, 0, 'pattern').text).toBe('*libgcc.a:');
    expect(lexAt(src, 0, 'expr').text).toBe('*');
  });

  it('skips C comments, also between tokens on several lines', () => {
    const src = new SourceText('c', '/* a\n * b */ /**/ name');
    const t = lexAt(src, 0, 'expr');
    expect(t.text).toBe('name');
    expect(src.locationAt(t.start)).toEqual({ file: 'c', line: 2, col: 14 });
  });
});

describe('expressions', () => {
  it('follows C precedence and ld operators', () => {
    expect(exprValue('1 + 2 * 3')).toBe(7);
    expect(exprValue('(1 + 2) * 3')).toBe(9);
    expect(exprValue('1 << 4 + 1')).toBe(32);
    expect(exprValue('0x20000000 + 128K - 16K')).toBe(0x2001c000);
    expect(exprValue('10 - 4 - 3')).toBe(3);
    expect(exprValue('100 / 7 % 5')).toBe(4);
    expect(exprValue('-8 & 0xFF')).toBe(0xf8);
    expect(exprValue('~0 & 0xF')).toBe(15);
    expect(exprValue('!0 + !5')).toBe(1);
    expect(exprValue('3 > 2 && 2 >= 2 || 0')).toBe(1);
    expect(exprValue('1 == 2 ? 10 : 2 != 2 ? 20 : 30')).toBe(30);
    expect(exprValue('0xF0 | 0x0F ^ 0xFF')).toBe(0xf0);
  });

  it('evaluates ALIGN(value, n), MAX, MIN, LOG2CEIL, ABSOLUTE, SEGMENT_START', () => {
    expect(exprValue('ALIGN(0x20003001, 8)')).toBe(0x20003008);
    expect(exprValue('ALIGN(0x20003000, 8)')).toBe(0x20003000);
    expect(exprValue('MAX(3, 9)')).toBe(9);
    expect(exprValue('MIN(3, 9)')).toBe(3);
    expect(exprValue('LOG2CEIL(1000)')).toBe(10);
    expect(exprValue('ABSOLUTE(42)')).toBe(42);
    expect(exprValue('SEGMENT_START("text-segment", 0x400000)')).toBe(0x400000);
  });

  it('leaves the location counter and ALIGN(n) of it unknown', () => {
    const ev = evalText('SECTIONS { .bss : { _ebss = .; x = ALIGN(4); } >RAM }');
    expect(value(ev, '_ebss')).toBeNull();
    expect(value(ev, 'x')).toBeNull();
    expect(ev.rootUnknowns.has('_ebss')).toBe(true);
  });

  it('treats division by zero as unknown with a warning at its place', () => {
    const ev = evalText('a = 4;\nb = a / (a - 4);');
    expect(value(ev, 'b')).toBeNull();
    expect(ev.diagnostics.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`)).toEqual([
      '2:7 division by zero',
    ]);
  });
});

describe('MEMORY and symbols', () => {
  const script = `
MEMORY
{
    FLASH (rx)  : ORIGIN = 0x08000000, LENGTH = 1024K
    CCMRAM (xrw): ORIGIN = 0x10000000, LENGTH = 64K
    RAM (xrw)   : org = 0x20000000, len = 0x20000 /* 128 KiB */
}
_estack = ORIGIN(RAM) + LENGTH(RAM) - _estack_reserve;
_sstack = _estack - 16K;
_heap_end = _sstack;
`;

  it('evaluates ORIGIN/LENGTH, suffixes and the org/len spellings', () => {
    const ev = evalText(script, { defsyms: [parseDefsym('_estack_reserve=8', 0)] });
    const ram = ev.regions.find((r) => r.name === 'RAM')!;
    expect(ram.origin.known && Number(ram.origin.v)).toBe(0x20000000);
    expect(ram.length.known && Number(ram.length.v)).toBe(131072);
    expect(ram.attributes).toBe('xrw');
    expect(value(ev, '_estack')).toBe(0x2001fff8);
    expect(value(ev, '_sstack')).toBe(0x2001bff8);
    expect(value(ev, '_heap_end')).toBe(0x2001bff8);
  });

  it('reports an undefined symbol as the unknown root, not a guess', () => {
    const ev = evalText(script);
    expect(value(ev, '_heap_end')).toBeNull();
    expect([...ev.rootUnknowns.keys()]).toEqual(['_estack_reserve']);
    expect(ev.symbols.get('_estack_reserve')?.from).toBe('undefined');
  });

  it('resolves forward references across passes, as ld does', () => {
    const ev = evalText('_heap_end = _ram_end - _stack_size;\n_stack_size = 8K;\n_ram_end = 0x20040000;');
    expect(value(ev, '_heap_end')).toBe(0x2003e000);
  });

  it('gives DEFINED() the value of "assigned earlier", so nrf-style defaults work', () => {
    const withSd = evalText(
      '_sd_ram = 0x39c0;\n_head_ram = DEFINED(_sd_ram) ? _sd_ram : 0;\n_sd_ram = DEFINED(_sd_ram) ? _sd_ram : 0;',
    );
    expect(value(withSd, '_head_ram')).toBe(0x39c0);
    const without = evalText(
      '_head_ram = DEFINED(_sd_ram) ? _sd_ram : 0;\n_sd_ram = DEFINED(_sd_ram) ? _sd_ram : 0;',
    );
    expect(value(without, '_head_ram')).toBe(0);
    expect(value(without, '_sd_ram')).toBe(0);
  });

  it('does compound assignments once, not once per pass', () => {
    const ev = evalText('a = 10;\na += 5;\nb = c;\nc = a;');
    expect(value(ev, 'a')).toBe(15);
    expect(value(ev, 'b')).toBe(15);
  });

  it('lets PROVIDE define a symbol only when nothing else does', () => {
    const ev = evalText(
      'PROVIDE(a = 1);\nPROVIDE_HIDDEN(b = 2);\nb = 3;\nSECTIONS { .x : { PROVIDE(c = 4); } }',
    );
    expect(value(ev, 'a')).toBe(1);
    expect(value(ev, 'b')).toBe(3);
    expect(value(ev, 'c')).toBe(4);
  });

  it('takes link values from a map over the script', () => {
    const ev = evalText('SECTIONS { .bss : { _ebss = .; } >RAM }\n_heap_start = _ebss;', {
      link: { symbols: new Map([['_ebss', 0x20003000n]]) },
    });
    expect(value(ev, '_heap_start')).toBe(0x20003000);
  });

  it('knows SIZEOF/ADDR/LOADADDR only from map sections', () => {
    const text = 'top = 0x20042000;\nbottom = top - SIZEOF(.stack_dummy);\nload = LOADADDR(.data);';
    expect(value(evalText(text), 'bottom')).toBeNull();
    const ev = evalText(text, {
      link: {
        sections: new Map([
          ['.stack_dummy', { addr: 0x20041800n, size: 0x800n }],
          ['.data', { addr: 0x20000000n, size: 0x58n, loadAddr: 0x0807a1c8n }],
        ]),
      },
    });
    expect(value(ev, 'bottom')).toBe(0x20041800);
    expect(value(ev, 'load')).toBe(0x0807a1c8);
  });

  it('follows REGION_ALIAS in ORIGIN() and LENGTH()', () => {
    const ev = evalText(
      'MEMORY { RAM (rw) : ORIGIN = 0x20000000, LENGTH = 64K }\nREGION_ALIAS("MAIN", RAM);\ne = ORIGIN(MAIN) + LENGTH(MAIN);',
    );
    expect(value(ev, 'e')).toBe(0x20010000);
  });

  it('checks ASSERTs it can evaluate and reports failures with their place', () => {
    const ev = evalText(
      'a = 10;\nASSERT(a > 20, "a too small")\nASSERT(a > 5, "fine");\nASSERT(u > 1, "later")',
    );
    expect(ev.asserts.map((a) => a.holds)).toEqual([false, true, null]);
    expect(ev.asserts[2].waitsFor).toEqual(['u']);
    expect(ev.diagnostics.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`)).toEqual([
      '2:1 ASSERT fails: a too small',
    ]);
  });

  it('replaces a region LENGTH for what-if evaluation', () => {
    const ev = evalText(script, {
      defsyms: [parseDefsym('_estack_reserve=8', 0)],
      regionLength: new Map([['RAM', 192n * 1024n]]),
    });
    expect(value(ev, '_heap_end')).toBe(0x2002bff8);
  });

  it('does not loop on a symbol defined by itself', () => {
    const ev = evalText('a = b + 1;\nb = a + 1;');
    expect(value(ev, 'a')).toBeNull();
    expect(value(ev, 'b')).toBeNull();
  });
});

describe('SECTIONS syntax real scripts use', () => {
  it('reads output sections with types, addresses, AT>, input patterns and data commands', () => {
    const text = `
SECTIONS
{
    .isr_vector : { . = ALIGN(4); KEEP(*(.isr_vector)) */ff.o(.text*) } >FLASH_ISR
    .text : ALIGN(4) SUBALIGN(4)
    {
        *(EXCLUDE_FILE(*libgcc.a: *libc.a: *lib_a-mem*.o *gc.c.obj) .text*)
        *crtbegin?.o(.ctors)
        *(SORT_BY_ALIGNMENT(SORT_BY_NAME(.flashdata*)))
        *(.text.[a-z]*)
        LONG(0xDEADBEEF)
        BYTE(1);
        FILL(0xFF)
        CONSTRUCTORS
        _etext = .;
    } > FLASH :text =0xFF
    .heap (COPY): { __end__ = .; end = __end__; } > RAM
    .data : AT(0x08000000) { _sdata = .; } >RAM AT> FLASH
    .ARM.attributes 0 : { *(.ARM.attributes) }
    /DISCARD/ : { libc.a ( * ) }
    __exidx_start = .;
}
`;
    const statements = parseScript(new SourceText('s.ld', text));
    const sections = statements.filter((s) => s.k === 'section');
    expect(sections.map((s) => [s.name, s.region ?? null, s.loadRegion ?? null])).toEqual([
      ['.isr_vector', 'FLASH_ISR', null],
      ['.text', 'FLASH', null],
      ['.heap', 'RAM', null],
      ['.data', 'RAM', 'FLASH'],
      ['.ARM.attributes', null, null],
      ['/DISCARD/', null, null],
    ]);
    const assigned = statements.filter((s) => s.k === 'assign').map((s) => s.name);
    expect(assigned).toEqual(['.', '_etext', '__end__', 'end', '_sdata', '__exidx_start']);
  });

  it('skips file-level commands ld accepts', () => {
    const text = `OUTPUT_FORMAT("elf32-littlearm", "elf32-bigarm", "elf32-littlearm")
OUTPUT_ARCH(arm)
ENTRY(Reset_Handler)
EXTERN(a b)
GROUP(libgcc.a libc.a)
FORCE_COMMON_ALLOCATION
x = 1;`;
    expect(value(evaluateScript(parseScript(new SourceText('f.ld', text))), 'x')).toBe(1);
  });
});

describe('constructs from other ports', () => {
  it('mimxrt style: cpp lines, KEEP(* (...)), AT(expr), . += n, assignments to . between sections', () => {
    const text = `HEAP_SIZE  = DEFINED(__heap_size__)  ? __heap_size__  : 0x0400;
MEMORY
{
  m_dtcm (RW) : ORIGIN = 0x20000000, LENGTH = 0x00020000
  #if MICROPY_HW_SDRAM_AVAIL
  m_sdram (RX) : ORIGIN = 0x80000000, LENGTH = 0x01E00000
  #endif
}
SECTIONS
{
  .flash_config : { KEEP(* (.boot_hdr.conf)) } > m_dtcm
  ivt_begin = ORIGIN(m_dtcm) + 0x1000;
  .ivt : AT(ivt_begin) { KEEP(* (.boot_hdr.ivt)) } > m_dtcm
  . = __noncachedata_init_end__;
  .heap : { . = ALIGN(8); __HeapBase = .; . += HEAP_SIZE; __HeapLimit = .; } > m_dtcm
\t_flashimagelen = 0x1234;
  __StackTop   = ORIGIN(m_dtcm) + LENGTH(m_dtcm);
  __StackLimit = __StackTop - 0x400;
  ASSERT(__StackLimit >= __HeapLimit, "region m_dtcm overflowed with stack and heap")
}`;
    const ev = evalText(text);
    expect(value(ev, 'HEAP_SIZE')).toBe(0x400);
    expect(value(ev, 'ivt_begin')).toBe(0x20001000);
    expect(value(ev, '_flashimagelen')).toBe(0x1234);
    expect(value(ev, '__StackLimit')).toBe(0x2001fc00);
    expect(ev.regions.map((r) => r.name)).toEqual(['m_dtcm', 'm_sdram']);
    expect(ev.asserts[0]).toMatchObject({ holds: null, waitsFor: ['__HeapLimit'] });
  });
});

describe('syntax errors name file, line and column', () => {
  it('a missing semicolon', () => {
    expect(syntaxError('a = 1;\nb = 2\nc = 3;')).toBe(
      "bad.ld:3:1: expected ';' after the assignment to b, found 'c'",
    );
  });
  it('a missing closing brace', () => {
    expect(syntaxError('MEMORY\n{\n  RAM (rw) : ORIGIN = 0, LENGTH = 4K\n')).toBe(
      "bad.ld:4:1: unexpected end of file: a '{' is never closed",
    );
  });
  it('a bad number', () => {
    expect(syntaxError('MEMORY { RAM : ORIGIN = 0x20000000, LENGTH = 16KB }')).toBe(
      "bad.ld:1:46: malformed number '16KB' (ld accepts decimal, 0x hex, octal, K and M suffixes)",
    );
  });
  it('an unterminated comment', () => {
    expect(syntaxError('a = 1;\n  /* never closed\n')).toBe(
      'bad.ld:2:3: unterminated comment: "/*" has no closing "*/"',
    );
  });
  it('an unknown function', () => {
    expect(syntaxError('a = FOO(1);')).toBe('bad.ld:1:5: unknown function FOO(...)');
  });
  it('a region without LENGTH', () => {
    expect(syntaxError('MEMORY {\n  RAM (rw) : ORIGIN = 0x20000000\n}')).toBe(
      "bad.ld:3:1: expected LENGTH = ... for memory region RAM, found '}'",
    );
  });
  it('a stray word at file level', () => {
    expect(syntaxError('\n   bogus;')).toBe(
      "bad.ld:2:4: expected an assignment ('bogus = ...;'), MEMORY, SECTIONS, INCLUDE or another ld command, found 'bogus'",
    );
  });
  it('an unexpected character', () => {
    expect(syntaxError('a = 1 @ 2;')).toBe("bad.ld:1:7: unexpected character '@'");
  });
});

describe('--defsym', () => {
  it('takes expressions and points errors into the option', () => {
    const d = parseDefsym('_estack_reserve=4 + 4', 0);
    expect(d.name).toBe('_estack_reserve');
    expect(value(evaluateScript([], { defsyms: [d] }), '_estack_reserve')).toBe(8);
    expect(() => parseDefsym('x=4 +', 1)).toThrow('--defsym #2:1:6: expected a number');
    expect(() => parseDefsym('novalue', 0)).toThrow("expected NAME=VALUE, found 'novalue'");
  });
  it('parses standalone expressions', () => {
    const e = parseExpression(new SourceText('x', '16K'));
    expect(e).toEqual({ k: 'num', value: 16384n });
  });
});

describe('map files', () => {
  it('reads assignments, PROVIDE, object symbols, sections (also wrapped) and regions', () => {
    const map = parseMapFile(`Memory Configuration

Name             Origin             Length             Attributes
RAM              0x0000000020000000 0x0000000000020000 xrw
*default*        0x0000000000000000 0xffffffffffffffff

Linker script and memory map

                0x000000002001fff8                _estack = ((ORIGIN (RAM) + LENGTH (RAM)) - _estack_reserve)
                [!provide]                        PROVIDE (end = .)
                0x0000000020005000                PROVIDE (_end = .)

.data           0x0000000020000000       0x58 load address 0x000000000807a1c8
                0x0000000020000000                . = ALIGN (0x4)
 .data.obj      0x0000000020000000       0x58 build/uart.o
                0x0000000020000000                uart_obj

.ARM.attributes
                0x0000000000000000       0x2f
                0x0000000020003000                _ebss = .
`);
    expect(map.regions).toEqual([{ name: 'RAM', origin: 0x20000000n, length: 0x20000n, attributes: 'xrw' }]);
    expect([...map.symbols]).toEqual([
      ['_estack', 0x2001fff8n],
      ['_end', 0x20005000n],
      ['uart_obj', 0x20000000n],
      ['_ebss', 0x20003000n],
    ]);
    expect(map.sections.get('.data')).toEqual({ addr: 0x20000000n, size: 0x58n, loadAddr: 0x0807a1c8n });
    expect(map.sections.get('.ARM.attributes')).toEqual({ addr: 0n, size: 0x2fn, loadAddr: undefined });
  });
});
