/**
 * Symbol values from an ELF file (the firmware the link produced): what `nm firmware.elf`
 * prints. Like a `.map` file, it settles what a linker script alone cannot, such as where `.bss`
 * ends (`_ebss`), hence where the heap starts.
 *
 * Reads the ELF header, the section headers and the symbol table (`.symtab`, or `.dynsym` when
 * the file was stripped of it) with its string table, for ELF32 and ELF64 in either byte order.
 * Section addresses and sizes come along, for `ADDR(.bss)`-style expressions.
 */
import type { MapSection } from './map-file.js';

export class ElfError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ElfError';
  }
}

export interface ElfSymbols {
  /** 32 or 64. */
  bits: 32 | 64;
  littleEndian: boolean;
  /** Defined symbols by name (a global one wins over a local one of the same name). */
  symbols: Map<string, bigint>;
  /** Sections that occupy addresses, by name. */
  sections: Map<string, MapSection>;
}

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const STT_SECTION = 3;
const STT_FILE = 4;
const STB_LOCAL = 0;

interface SectionHeader {
  name: number;
  type: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
}

/** Bounds-checked reads in the file's byte order and word size. */
class Reader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly le: boolean,
    readonly wide: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(offset: number, size: number, what: string): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      throw new ElfError(
        this.file,
        `truncated: ${what} at byte ${offset} lies past the end (${this.bytes.length} bytes)`,
      );
    }
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, this.le);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, this.le);
  }

  /** An address-sized word: 4 bytes in ELF32, 8 in ELF64. */
  word(offset: number, what: string): bigint {
    if (!this.wide) return BigInt(this.u32(offset, what));
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, this.le);
  }

  /** An address-sized offset or size that must fit a JavaScript index. */
  index(offset: number, what: string): number {
    const v = this.word(offset, what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(this.file, `${what} is out of range`);
    return Number(v);
  }

  cString(offset: number, what: string): string {
    this.check(offset, 1, what);
    let end = offset;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    return String.fromCharCode(...this.bytes.subarray(offset, end));
  }
}

export function readElfSymbols(bytes: Uint8Array, file = '<elf>'): ElfSymbols {
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError(file, 'not an ELF file (it does not start with \\x7fELF)');
  }
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== 1 && cls !== 2)
    throw new ElfError(file, `unknown ELF class ${cls} (expected 1 for 32-bit or 2 for 64-bit)`);
  if (data !== 1 && data !== 2) throw new ElfError(file, `unknown ELF byte order ${data}`);
  const wide = cls === 2;
  const r = new Reader(bytes, file, data === 1, wide);

  // ELF header: where the section headers are, how big each is, how many, and which holds names.
  const shoff = r.index(wide ? 0x28 : 0x20, 'the section header offset');
  const shentsize = r.u16(wide ? 0x3a : 0x2e, 'the section header size');
  const shnum = r.u16(wide ? 0x3c : 0x30, 'the section header count');
  const shstrndx = r.u16(wide ? 0x3e : 0x32, 'the section name table index');
  if (shoff === 0 || shnum === 0) throw new ElfError(file, 'no section headers, so no symbol table');
  if (shentsize < (wide ? 64 : 40))
    throw new ElfError(file, `section headers of ${shentsize} bytes are too small`);

  const headers: SectionHeader[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    const what = `section header ${i}`;
    headers.push(
      wide
        ? {
            name: r.u32(at, what),
            type: r.u32(at + 4, what),
            addr: r.word(at + 16, what),
            offset: r.index(at + 24, what),
            size: r.index(at + 32, what),
            link: r.u32(at + 40, what),
          }
        : {
            name: r.u32(at, what),
            type: r.u32(at + 4, what),
            addr: r.word(at + 12, what),
            offset: r.index(at + 16, what),
            size: r.index(at + 20, what),
            link: r.u32(at + 24, what),
          },
    );
  }

  const names = headers[shstrndx];
  const sectionName = (h: SectionHeader) => (names ? r.cString(names.offset + h.name, 'a section name') : '');
  const sections = new Map<string, { addr: bigint; size: bigint }>();
  for (const h of headers) {
    const name = sectionName(h);
    if (name && h.addr !== 0n) sections.set(name, { addr: h.addr, size: BigInt(h.size) });
  }

  const table = headers.find((h) => h.type === SHT_SYMTAB) ?? headers.find((h) => h.type === SHT_DYNSYM);
  if (!table)
    throw new ElfError(file, 'no symbol table (was it stripped? give the unstripped ELF, or --map)');
  const strings = headers[table.link];
  if (!strings) throw new ElfError(file, 'the symbol table names a string table that does not exist');

  const entsize = wide ? 24 : 16;
  const symbols = new Map<string, bigint>();
  const local = new Set<string>();
  for (let at = table.offset + entsize; at + entsize <= table.offset + table.size; at += entsize) {
    // Entry 0 is the reserved null symbol, skipped by starting one entry in.
    const what = 'a symbol';
    const nameOff = r.u32(at, what);
    const info = r.u8(wide ? at + 4 : at + 12, what);
    const shndx = r.u16(wide ? at + 6 : at + 14, what);
    const value = r.word(wide ? at + 8 : at + 4, what);
    const type = info & 0xf;
    if (shndx === SHN_UNDEF || type === STT_SECTION || type === STT_FILE || nameOff === 0) continue;
    const name = r.cString(strings.offset + nameOff, 'a symbol name');
    const isLocal = info >> 4 === STB_LOCAL;
    // A local symbol never hides a global one of the same name.
    if (symbols.has(name) && (isLocal || !local.has(name))) continue;
    symbols.set(name, value);
    if (isLocal) local.add(name);
    else local.delete(name);
  }
  return { bits: wide ? 64 : 32, littleEndian: data === 1, symbols, sections };
}
