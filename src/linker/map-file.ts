/**
 * Reads a GNU ld `.map` file (`-Wl,-Map=firmware.map`): the values the link gave to symbols such as
 * `_ebss`, the output sections' addresses and sizes, and the memory regions. These settle what a
 * linker script alone cannot (where .bss ends, so where the heap starts).
 *
 * The parts read:
 *   Memory Configuration           `RAM  0x0000000020000000 0x0000000000020000 xrw`
 *   Linker script and memory map   `.bss  0x20000a18  0x4e34 load address 0x0805c2d0` (output sections)
 *                                  `      0x20005850        _ebss = .`           (script assignments)
 *                                  `      0x20005850        PROVIDE (end = .)`
 *                                  `      0x08020000        main`                (object symbols)
 */

export interface MapRegion {
  name: string;
  origin: bigint;
  length: bigint;
  attributes: string;
}

export interface MapSection {
  addr: bigint;
  size: bigint;
  loadAddr?: bigint;
}

export interface MapFile {
  symbols: Map<string, bigint>;
  sections: Map<string, MapSection>;
  regions: MapRegion[];
}

const HEX = '0x[0-9a-fA-F]+';
const SYMBOL_NAME = /^[A-Za-z_.$][A-Za-z0-9_.$]*$/;

export function parseMapFile(text: string): MapFile {
  const symbols = new Map<string, bigint>();
  const sections = new Map<string, MapSection>();
  const regions: MapRegion[] = [];
  const lines = text.split(/\r?\n/);

  let part: 'preamble' | 'memory' | 'script' = 'preamble';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^Memory Configuration\s*$/.test(line)) {
      part = 'memory';
      continue;
    }
    if (/^Linker script and memory map\s*$/.test(line)) {
      part = 'script';
      continue;
    }
    if (part === 'memory') {
      const m = new RegExp(`^(\\S+)\\s+(${HEX})\\s+(${HEX})(?:\\s+(\\S+))?\\s*$`).exec(line);
      if (m && m[1] !== '*default*')
        regions.push({ name: m[1], origin: BigInt(m[2]), length: BigInt(m[3]), attributes: m[4] ?? '' });
      continue;
    }
    if (part !== 'script' && !/^\s+0x/.test(line)) continue;

    // An output section starts in column 0; a long name puts the figures on the next line.
    const section = new RegExp(
      `^([.A-Za-z_/][^\\s]*)(?:\\s+(${HEX})\\s+(${HEX})(?:\\s+load address\\s+(${HEX}))?)?\\s*$`,
    ).exec(line);
    if (section && part === 'script') {
      let figures = section[2] ? section : null;
      if (!figures) {
        const wrapped = new RegExp(`^\\s+(${HEX})\\s+(${HEX})(?:\\s+load address\\s+(${HEX}))?\\s*$`).exec(
          lines[i + 1] ?? '',
        );
        if (wrapped) {
          figures = [
            wrapped[0],
            section[1],
            wrapped[1],
            wrapped[2],
            wrapped[3],
          ] as unknown as RegExpExecArray;
          i++;
        }
      }
      if (figures && !/^(LOAD|OUTPUT|START GROUP|END GROUP)$/.test(section[1]))
        sections.set(section[1], {
          addr: BigInt(figures[2]),
          size: BigInt(figures[3]),
          loadAddr: figures[4] ? BigInt(figures[4]) : undefined,
        });
      continue;
    }

    // `   0x20005850   _ebss = .`, `   0x20005850   PROVIDE (end = .)`, `   0x08020000   main`
    const sym = new RegExp(`^\\s+(${HEX})\\s+(.*?)\\s*$`).exec(line);
    if (!sym) continue;
    const value = BigInt(sym[1]);
    const rest = sym[2];
    const provide = /^(?:PROVIDE|PROVIDE_HIDDEN|HIDDEN)\s*\(\s*([^\s=]+)\s*=/.exec(rest);
    const assign = /^([^\s=]+)\s*(?:=|\+=|-=|\*=|\/=|<<=|>>=|&=|\|=)/.exec(rest);
    const name = provide?.[1] ?? assign?.[1] ?? (/^\S+$/.test(rest) ? rest : null);
    if (name && name !== '.' && SYMBOL_NAME.test(name)) symbols.set(name, value);
  }
  return { symbols, sections, regions };
}
