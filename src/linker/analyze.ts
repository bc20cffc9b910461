/**
 * `mpheap linker` as a library call: read the scripts (and a map file), evaluate, report.
 */
import { readFileSync } from 'node:fs';
import type { WordSize } from '../heap/layout.js';
import type { Expr, Statement } from './ast.js';
import { readElfSymbols } from './elf.js';
import { type Evaluation, evaluateScript, type LinkFacts } from './evaluate.js';
import { buildReport, hex, type LinkerReport } from './heap-report.js';
import { loadScripts, parseDefsym } from './load.js';
import { parseMapFile } from './map-file.js';
import { findMcu, type McuInfo, mcuFromFileName } from './mcus.js';
import { LinkerScriptError } from './source.js';

export interface AnalyzeOptions {
  /** Linker scripts, in -T order. May be empty when a map file is given. */
  scripts: string[];
  /** A GNU ld map file: its values win over what the scripts compute. */
  map?: string;
  /** The linked ELF file: its symbol table, like a map file (a map's value wins where both say). */
  elf?: string;
  /** `NAME=VALUE` strings, as given to --defsym. */
  defsyms?: string[];
  /** -L folders for INCLUDE. */
  searchDirs?: string[];
  /** MCU name for --mcu; when absent it is recognised from the script names if possible. */
  mcu?: string;
  ramBytes?: number;
  stackBytes?: number;
  wordSize?: WordSize;
  readFile?: (path: string) => string;
  readBinary?: (path: string) => Uint8Array;
}

export class UnknownMcuError extends Error {}

/** Reads a file; a read error names the file (Node leaves the path out of some, EISDIR among them). */
function readNamed<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err === 'object' && err.code !== undefined && err.path === undefined) err.path = path;
    throw e;
  }
}

export function analyzeLinker(opts: AnalyzeOptions): LinkerReport {
  const read = opts.readFile ?? ((p: string) => readNamed(p, () => readFileSync(p, 'latin1')));
  const defsyms = (opts.defsyms ?? []).map((d, i) => parseDefsym(d, i));
  const loaded = loadScripts(opts.scripts, { searchDirs: opts.searchDirs, readFile: read });
  const statements: Statement[] = [...loaded.statements];
  const files = [...loaded.files];

  let link: LinkFacts = {};
  /** Which input gave each link value, so a disagreement warning blames the right file. */
  const linkSource = new Map<string, string>();
  /** Without a script, the link's own symbols stand in for one (so `_heap_start` has a value). */
  const assignLinkSymbols = (names: Iterable<string>, file: string) => {
    const loc = { file, line: 1, col: 1 };
    for (const name of names) {
      if (!name.startsWith('_')) continue;
      const self: Expr = { k: 'sym', name, loc };
      statements.push({
        k: 'assign',
        name,
        op: '=',
        expr: self,
        provide: false,
        loc,
        ctx: { inSections: false },
      });
    }
  };
  if (opts.map !== undefined) {
    const mapText = read(opts.map);
    if (mapText.trim() === '')
      throw new LinkerScriptError('the map file is empty', { file: opts.map, line: 1, col: 1 });
    const map = parseMapFile(mapText);
    files.push(opts.map);
    link = { symbols: map.symbols, sections: map.sections };
    for (const name of map.symbols.keys()) linkSource.set(name, 'the map');
    if (opts.scripts.length === 0) {
      // No script: the map's memory regions and its linker symbols stand in for one.
      const loc = { file: opts.map, line: 1, col: 1 };
      for (const r of map.regions)
        statements.push({
          k: 'region',
          name: r.name,
          attributes: r.attributes,
          origin: { k: 'num', value: r.origin },
          length: { k: 'num', value: r.length },
          loc,
        });
      assignLinkSymbols(map.symbols.keys(), opts.map);
    }
  }
  if (opts.elf !== undefined) {
    const readBinary =
      opts.readBinary ?? ((p: string) => readNamed(p, () => new Uint8Array(readFileSync(p))));
    const elf = readElfSymbols(readBinary(opts.elf), opts.elf);
    files.push(opts.elf);
    const symbols = new Map(elf.symbols);
    for (const name of elf.symbols.keys()) if (!linkSource.has(name)) linkSource.set(name, 'the ELF file');
    for (const [name, v] of link.symbols ?? []) symbols.set(name, v);
    const sections = new Map(elf.sections);
    for (const [name, v] of link.sections ?? []) sections.set(name, v);
    link = { symbols, sections };
    // An ELF has no MEMORY regions: alone, it needs --mcu or --ram for the RAM around the heap.
    if (opts.scripts.length === 0 && opts.map === undefined) assignLinkSymbols(elf.symbols.keys(), opts.elf);
  }

  // A --defsym value wins over the scripts, as a map value does: `--defsym _ebss=0x20003000` is how
  // to say where .bss ends without a map file (ld itself would let the script's `_ebss = .` win).
  const given = evaluateScript([], { defsyms });
  const linkSymbols = new Map(link.symbols ?? []);
  for (const d of defsyms) {
    const v = given.symbols.get(d.name)?.value;
    if (v?.known) linkSymbols.set(d.name, v.v);
  }
  link = { ...link, symbols: linkSymbols };

  const ev = evaluateScript(statements, { defsyms, link });
  ev.diagnostics.unshift(...loaded.diagnostics);

  // What-if evaluations ("what if RAM were 192K?") must let the scripts recompute what they can, so
  // they keep only the map values the scripts cannot compute: link-time ones (`_ebss`) and names the
  // scripts never assign (a --defsym the map recorded, object symbols).
  let whatIfLink: LinkFacts = link;
  if (link.symbols && link.symbols.size > 0 && opts.scripts.length > 0) {
    const assigned = new Set<string>();
    for (const s of statements) if (s.k === 'assign') assigned.add(s.name);
    const linkOnly = new Map<string, bigint>();
    for (const [name, v] of link.symbols) if (!assigned.has(name)) linkOnly.set(name, v);
    const alone = evaluateScript(statements, {
      defsyms,
      link: { symbols: linkOnly, sections: link.sections },
    });
    for (const [name, v] of link.symbols) {
      const own = alone.symbols.get(name);
      if (!own || linkOnly.has(name)) continue;
      if (!own.value.known) linkOnly.set(name, v);
      else if (own.value.v !== BigInt.asIntN(64, v))
        ev.diagnostics.push({
          severity: 'warning',
          message: `${linkSource.get(name) ?? 'the link'} gives ${name} = ${hex(Number(v))} but the scripts give ${hex(Number(own.value.v))}: is it from a build of these scripts (and the same --defsym)?`,
        });
    }
    whatIfLink = { symbols: linkOnly, sections: link.sections };
  }
  const reevaluate =
    opts.scripts.length > 0
      ? (region: string, length: number): Evaluation =>
          evaluateScript(statements, {
            defsyms,
            link: whatIfLink,
            regionLength: new Map([[region, BigInt(length)]]),
          })
      : undefined;

  let mcu: McuInfo | undefined;
  let mcuFrom: 'option' | 'file name' | undefined;
  if (opts.mcu !== undefined) {
    mcu = findMcu(opts.mcu);
    if (!mcu) throw new UnknownMcuError(opts.mcu);
    mcuFrom = 'option';
  } else if (opts.ramBytes === undefined) {
    for (const f of opts.scripts) {
      mcu = mcuFromFileName(f);
      if (mcu) {
        mcuFrom = 'file name';
        break;
      }
    }
  }

  return buildReport(ev, {
    wordSize: opts.wordSize ?? 4,
    mcu,
    mcuFrom,
    ramBytes: opts.ramBytes,
    stackBytes: opts.stackBytes,
    reevaluate,
    files,
  });
}
