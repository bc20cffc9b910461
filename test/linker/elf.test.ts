/**
 * ELF symbol tables: real files linked here by GNU as/ld (32- and 64-bit), read back and set
 * against what nm prints for the same files; one big-endian file written byte by byte, since no
 * big-endian toolchain is installed; and the errors for files that are not what they should be.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ElfError, readElfSymbols } from '../../src/linker/elf.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mpheap-elf-'));
const SCRIPT = join(dir, 'stm32f405.ld');

beforeAll(() => {
  // An stm32-style script: .bss of 0x3000 bytes, then the heap up to a 16K stack below the top.
  writeFileSync(
    SCRIPT,
    [
      'MEMORY { RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 128K }',
      'SECTIONS {',
      '  .bss : { . = . + 0x3000; } > RAM',
      '  _ebss = .;',
      '  _estack = ORIGIN(RAM) + LENGTH(RAM) - 8;',
      '  _sstack = _estack - 16K;',
      '  _heap_start = _ebss;',
      '  _heap_end = _sstack;',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'start.s'), '.globl _start\n_start:\n.local helper\nhelper:\n');
  execFileSync('as', ['--32', 'start.s', '-o', 's32.o'], { cwd: dir });
  execFileSync('ld', ['-m', 'elf_i386', '-T', SCRIPT, 's32.o', '-o', 'fw32.elf'], { cwd: dir });
  execFileSync('as', ['start.s', '-o', 's64.o'], { cwd: dir });
  execFileSync('ld', ['-T', SCRIPT, 's64.o', '-o', 'fw64.elf'], { cwd: dir });
  execFileSync('cp', ['fw32.elf', 'stripped.elf'], { cwd: dir });
  execFileSync('strip', ['--strip-all', 'stripped.elf'], { cwd: dir });
});

/** What nm says: name → value, for every defined symbol. */
function nm(file: string): Map<string, bigint> {
  const out = execFileSync('nm', ['--defined-only', file], { encoding: 'utf8' });
  const m = new Map<string, bigint>();
  for (const line of out.trim().split('\n')) {
    const [value, , name] = line.trim().split(/\s+/);
    m.set(name, BigInt(`0x${value}`));
  }
  return m;
}

describe('readElfSymbols', () => {
  for (const [file, bits] of [
    ['fw32.elf', 32],
    ['fw64.elf', 64],
  ] as const) {
    it(`reads a ${bits}-bit ELF linked by GNU ld exactly as nm does`, () => {
      const elf = readElfSymbols(new Uint8Array(readFileSync(join(dir, file))), file);
      expect(elf.bits).toBe(bits);
      expect(elf.littleEndian).toBe(true);
      expect(elf.symbols).toEqual(nm(join(dir, file)));
      expect(elf.symbols.get('_ebss')).toBe(0x2000_3000n);
      expect(elf.symbols.get('_heap_end')).toBe(0x2001_bff8n);
      expect(elf.sections.get('.bss')).toEqual({ addr: 0x2000_0000n, size: 0x3000n });
    });
  }

  it('reads a big-endian ELF32', () => {
    const elf = readElfSymbols(bigEndianElf32({ _ebss: 0x2000_4a10, _estack: 0x2002_0000 }), 'be.elf');
    expect(elf.littleEndian).toBe(false);
    expect([...elf.symbols]).toEqual([
      ['_ebss', 0x2000_4a10n],
      ['_estack', 0x2002_0000n],
    ]);
  });

  it('says what is wrong with a file that is not a usable ELF', () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'fw32.elf')));
    const fail = (b: Uint8Array) => {
      try {
        readElfSymbols(b, 'x.elf');
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(fail(new TextEncoder().encode('MEMORY { }\n'))).toBe(
      'x.elf: not an ELF file (it does not start with \\x7fELF)',
    );
    expect(fail(bytes.subarray(0, 200))).toMatch(
      /^x\.elf: truncated: section header 0 at byte \d+ lies past the end \(200 bytes\)$/,
    );
    expect(fail(new Uint8Array(readFileSync(join(dir, 'stripped.elf'))))).toBe(
      'x.elf: no symbol table (was it stripped? give the unstripped ELF, or --map)',
    );
  });
});

describe('mpheap linker --elf', () => {
  const run = (...args: string[]) => runCli('linker', ...args);

  it('takes where .bss ends from the ELF and sizes the heap from it', async () => {
    const r = await run(SCRIPT, '--elf', join(dir, 'fw32.elf'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // The spec's worked example: heap 0x20003000..0x2001BFF8, gc_init rounds the end to ...BFF0.
    expect(j.heap).toMatchObject({ start: 0x2000_3000, end: 0x2001_bff8, size: 102392 });
    expect(j.gc.total).toBe(100032);
    expect(j.symbols._ebss).toBe(0x2000_3000);
    expect(j.unknown).toEqual([]);
    expect(j.warnings).toEqual([]);
    expect(j.files).toEqual([SCRIPT, join(dir, 'fw32.elf')]);
  });

  it('prints the same heap in the report a person reads', async () => {
    const r = await run(SCRIPT, '--elf', join(dir, 'fw64.elf'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Heap   0x20003000 .. 0x2001BFF8  102,392 bytes  (_heap_start .. _heap_end, in RAM)',
    );
    expect(r.stdout).toContain('GC: total 100,032 bytes, 6,252 blocks');
  });

  it('stands alone with --mcu, as a map file does', async () => {
    const r = await run('--elf', join(dir, 'fw32.elf'), '--mcu', 'STM32F405', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.heap).toMatchObject({ start: 0x2000_3000, end: 0x2001_bff8, size: 102392 });
    expect(j.stack).toMatchObject({ start: 0x2001_bff8, end: 0x2001_fff8, size: 16384 });
  });

  it('warns, naming the ELF, where it disagrees with the scripts', async () => {
    // The scripts say 64K of RAM; the ELF was linked for 128K.
    const small = join(dir, 'small.ld');
    writeFileSync(small, readFileSync(SCRIPT, 'utf8').replace('128K', '64K'));
    // A map from another link that knows only _ebss: the ELF still answers for the rest.
    const map = join(dir, 'ebss-only.map');
    const mini = join(dir, 'ebss-only.ld');
    writeFileSync(
      mini,
      'MEMORY { RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 128K }\nSECTIONS {\n  .bss : { . = . + 0x3000; } > RAM\n  _ebss = .;\n}\n',
    );
    execFileSync('ld', ['-m', 'elf_i386', '-T', mini, 's32.o', '-o', 'mini.elf', '-Map', map], { cwd: dir });
    for (const extra of [[], ['--map', map]]) {
      const r = await run(small, '--elf', join(dir, 'fw32.elf'), ...extra, '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.warnings).toEqual([
        'the ELF file gives _heap_end = 0x2001BFF8 but the scripts give 0x2000BFF8: is it from a build of these scripts (and the same --defsym)?',
        'the ELF file gives _sstack = 0x2001BFF8 but the scripts give 0x2000BFF8: is it from a build of these scripts (and the same --defsym)?',
        'the ELF file gives _estack = 0x2001FFF8 but the scripts give 0x2000FFF8: is it from a build of these scripts (and the same --defsym)?',
      ]);
      expect(j.symbols._ebss).toBe(0x2000_3000);
    }
  });

  it('exits 2 naming the file when the ELF is unusable', async () => {
    const r = await run(SCRIPT, '--elf', join(dir, 'stripped.elf'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stripped.elf: no symbol table');
  });
});

/** A minimal big-endian ELF32: null, .symtab, .strtab and .shstrtab sections. */
function bigEndianElf32(symbols: Record<string, number>): Uint8Array {
  const names = Object.keys(symbols);
  const strtab = `\0${names.join('\0')}\0`;
  const shstrtab = '\0.symtab\0.strtab\0.shstrtab\0';
  const symtabSize = 16 * (names.length + 1);
  const symtabOff = 52;
  const strtabOff = symtabOff + symtabSize;
  const shstrOff = strtabOff + strtab.length;
  const shoff = Math.ceil((shstrOff + shstrtab.length) / 4) * 4;
  const bytes = new Uint8Array(shoff + 4 * 40);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1]);
  v.setUint16(16, 2); // ET_EXEC
  v.setUint16(18, 40); // EM_ARM
  v.setUint32(20, 1);
  v.setUint32(32, shoff);
  v.setUint16(40, 52);
  v.setUint16(46, 40);
  v.setUint16(48, 4);
  v.setUint16(50, 3);
  let nameAt = 1;
  names.forEach((name, i) => {
    const at = symtabOff + 16 * (i + 1);
    v.setUint32(at, nameAt);
    v.setUint32(at + 4, symbols[name]);
    bytes[at + 12] = 0x10; // STB_GLOBAL, STT_NOTYPE
    v.setUint16(at + 14, 0xfff1); // SHN_ABS
    nameAt += name.length + 1;
  });
  bytes.set(new TextEncoder().encode(strtab), strtabOff);
  bytes.set(new TextEncoder().encode(shstrtab), shstrOff);
  const section = (i: number, name: number, type: number, off: number, size: number, link: number) => {
    const at = shoff + 40 * i;
    v.setUint32(at, name);
    v.setUint32(at + 4, type);
    v.setUint32(at + 16, off);
    v.setUint32(at + 20, size);
    v.setUint32(at + 24, link);
  };
  section(1, 1, 2, symtabOff, symtabSize, 2);
  section(2, 9, 3, strtabOff, strtab.length, 0);
  section(3, 17, 3, shstrOff, shstrtab.length, 0);
  return bytes;
}
