/** `mpheap linker FILE.ld...`: size the GC heap from a port's linker scripts (and a map file). */
import type { Command } from 'commander';
import { analyzeLinker, UnknownMcuError } from '../../linker/analyze.js';
import { ElfError } from '../../linker/elf.js';
import { hex, kb, type LinkerReport } from '../../linker/heap-report.js';
import { MCUS } from '../../linker/mcus.js';
import { LinkerScriptError } from '../../linker/source.js';
import { bytesText, formatBytes } from '../../util/size.js';
import { escapeControls } from '../../util/text.js';
import { CliError, EXIT } from '../errors.js';
import { helpFooter, NO_COLOR_PLAIN_HELP } from '../help.js';
import { fileErrorWhy, sizeOption, wordOption } from '../io.js';

const UNKNOWN_NAMES_SHOWN = 40;

interface LinkerFlags {
  map?: string;
  elf?: string;
  defsym: string[];
  searchDir: string[];
  mcu?: string;
  ram?: string;
  stack?: string;
  word: string;
  json?: boolean;
  listMcus?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerLinker(program: Command): void {
  program
    .command('linker')
    .description(
      "Read a MicroPython port's GNU ld linker scripts (MEMORY, symbol assignments, PROVIDE, " +
        'ASSERT, INCLUDE) and report the RAM regions, where the GC heap and the C stack are, RAM ' +
        'left unused beside them, and what gc_init makes of the heap: the allocation and finaliser ' +
        'tables and the `GC: total` MicroPython will print. Then say what to write to use all the ' +
        'RAM the chip has.\n\n' +
        'Give the scripts in the order the build passes them with -T. Values only the link knows ' +
        '(where .bss ends: `_heap_start = _ebss`) are reported as unknown; --map FILE.map (from ' +
        '-Wl,-Map=...) or --elf firmware.elf (its symbol table) supplies them. Values the Makefile ' +
        'sets go in with --defsym, as for ld.',
    )
    .argument('[scripts...]', 'linker scripts, in -T order (may be left out when --map or --elf is given)')
    .option('--map <file>', 'GNU ld map file of a build of these scripts: the link-time values (_ebss...)')
    .option(
      '--elf <file>',
      'the linked ELF (firmware.elf): its symbol table gives the link-time values, like --map',
    )
    .option('--defsym <name=value>', 'define a symbol as ld --defsym does (repeatable)', collect, [])
    .option('-L, --search-dir <dir>', 'folder to look in for INCLUDEd scripts (repeatable)', collect, [])
    .option('--mcu <name>', 'the chip, for its real RAM size (see --list-mcus)')
    .option('--ram <size>', 'RAM size from the heap region origin, for a chip not in the list (e.g. 192K)')
    .option(
      '--stack <size>',
      "C stack to keep when the script leaves it implicit (default: the MCU's, else 16K)",
    )
    .option(
      '--word <4|8>',
      'machine word size: 4 = 32-bit (16-byte blocks), 8 = 64-bit (32-byte blocks)',
      '4',
    )
    .option('--json', 'print the report as JSON (schema in docs/json.md)')
    .option('--no-color', NO_COLOR_PLAIN_HELP)
    .option('--list-mcus', 'list the MCUs --mcu knows, with their RAM, and exit')
    .addHelpText(
      'after',
      helpFooter({
        examples: [
          {
            command:
              'mpheap linker boards/stm32f405.ld boards/common_basic.ld -L boards --defsym _estack_reserve=8',
          },
          {
            command: 'mpheap linker boards/stm32f429.ld',
            note: 'an old template: is _heap_end right for 192 KB?',
          },
          { command: 'mpheap linker boards/stm32f405.ld --mcu STM32F429', note: 'an F405 script on an F429' },
          {
            command:
              'mpheap linker boards/stm32f405.ld --defsym _estack_reserve=8 --map build-PYBV11/firmware.map',
          },
          { command: 'mpheap linker memmap_mp_rp2040.ld --map build-RPI_PICO/firmware.elf.map --json' },
          {
            command:
              'mpheap linker boards/nrf52840_1M_256k.ld boards/s140_7.3.0.ld boards/memory.ld boards/common.ld',
          },
          { command: 'mpheap linker --map firmware.map --mcu RP2040', note: 'a map file alone' },
          {
            command: 'mpheap linker boards/stm32f405.ld --elf build-PYBV11/firmware.elf',
            note: 'link-time values from the ELF',
          },
        ],
        exitCodes:
          '0 reported (unknown values are reported, not errors), 2 bad option, missing or empty file, ' +
          'or a syntax error (the message names file:line:column).',
      }),
    )
    .action((scripts: string[], flags: LinkerFlags) => {
      if (flags.listMcus) {
        printMcus(!!flags.json);
        return;
      }
      if (scripts.length === 0 && flags.map === undefined && flags.elf === undefined)
        throw new CliError(
          'give at least one linker script, or the link with --map FILE or --elf FILE (see mpheap linker --help)',
        );
      if (flags.mcu !== undefined && flags.ram !== undefined)
        throw new CliError('give --mcu or --ram, not both');
      const wordSize = wordOption(flags.word);
      let report: LinkerReport;
      try {
        report = analyzeLinker({
          scripts,
          map: flags.map,
          elf: flags.elf,
          defsyms: flags.defsym,
          searchDirs: flags.searchDir,
          mcu: flags.mcu,
          ramBytes: flags.ram === undefined ? undefined : sizeOption(flags.ram, '--ram'),
          stackBytes: flags.stack === undefined ? undefined : sizeOption(flags.stack, '--stack'),
          wordSize,
        });
      } catch (e) {
        if (e instanceof LinkerScriptError || e instanceof ElfError)
          throw new CliError(e.message, EXIT.BAD_INPUT);
        if (e instanceof UnknownMcuError)
          throw new CliError(
            `--mcu: '${e.message}' is not one I know; try one of ${MCUS.map((m) => m.name).join(', ')} or give --ram SIZE`,
          );
        const err = e as NodeJS.ErrnoException;
        if (typeof err?.code === 'string' && err.code.startsWith('E'))
          throw new CliError(`cannot read '${err.path ?? 'a file'}': ${fileErrorWhy(err)}`);
        throw e;
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      // Names, messages and file names come from the scripts: printed with control bytes escaped.
      else process.stdout.write(escapeControls(formatReport(report)));
    });
}

function printMcus(json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(MCUS, null, 2)}\n`);
    return;
  }
  for (const m of MCUS) {
    const ram = m.ram.map((b) => `${b.name} ${kb(b.length)} at ${hex(b.origin)}`).join(', ');
    process.stdout.write(`${m.name.padEnd(10)} ${ram}${m.runtimeHeap ? ' (heap sized at run time)' : ''}\n`);
  }
}

const orQ = (n: number | null, f: (n: number) => string) => (n === null ? '?' : f(n));

/** The report as a person reads it. */
export function formatReport(r: LinkerReport): string {
  const out: string[] = [];
  out.push(`Read: ${r.files.join(', ')}`);
  if (r.mcu) {
    out.push(
      `MCU: ${r.mcu.name}${r.mcu.from === 'file name' ? ' (from the file name; --mcu to change)' : ''}: ${r.mcu.ram.map((b) => `${b.name} ${kb(b.length)} at ${hex(b.origin)}`).join(', ')}`,
    );
  }

  out.push('', 'Memory regions');
  const rows = r.regions.map((g) => [
    g.name,
    orQ(g.origin, hex),
    orQ(g.end, hex),
    orQ(g.length, kb),
    g.attributes ? `(${g.attributes})` : '',
    [g.holds.length ? g.holds.join(' + ') : '', g.sections.length ? g.sections.join(' ') : '']
      .filter(Boolean)
      .join(': '),
  ]);
  const header = ['name', 'origin', 'end', 'length', 'attr', 'holds'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const fmt = (row: string[]) =>
    `  ${row.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')}`.trimEnd();
  out.push(fmt(header));
  for (const row of rows) out.push(fmt(row));

  out.push('');
  const h = r.heap;
  if (h.startSymbol === null && h.endSymbol === null) out.push('Heap   no heap symbols found (see Warnings)');
  else
    out.push(
      `Heap   ${orQ(h.start, hex)} .. ${orQ(h.end, hex)}  ${h.size === null ? 'size unknown' : `${bytesText(h.size)}`}  (${h.startSymbol ?? '?'} .. ${h.endSymbol ?? '?'}${h.region ? `, in ${h.region}` : ''})`,
    );
  const s = r.stack;
  out.push(
    `Stack  ${orQ(s.start, hex)} .. ${orQ(s.end, hex)}  ${s.size === null ? 'size unknown' : `${bytesText(s.size)}`}  (${s.bottomSymbol ?? (s.implicit ? r.heap.endSymbol : '?')} .. ${s.topSymbol ?? '?'}${s.implicit ? ': whatever lies above the heap' : ''})`,
  );
  for (const u of r.unused)
    out.push(`Unused ${hex(u.start)} .. ${hex(u.end)}  ${bytesText(u.bytes)} ${u.where}`);

  out.push('');
  if (r.gc) {
    const g = r.gc;
    out.push(
      `GC (gc_init, ${g.wordSize * 8}-bit, ${g.blockSize}-byte blocks): ${bytesText(g.regionBytes)} = alloc table ${formatBytes(g.allocTableBytes)} + gap ${g.gapBytes} + finaliser table ${formatBytes(g.finaliserTableBytes)} + padding ${formatBytes(g.paddingBytes)} + pool ${formatBytes(g.total)}`,
    );
    out.push(`  GC: total ${bytesText(g.total)}, ${formatBytes(g.blocks)} blocks`);
  } else {
    out.push('GC: unknown until the heap start and end are known');
  }

  if (r.unknown.length > 0) {
    // A generated script can leave thousands unknown: the terminal gets the first few, --json all.
    const shown = r.unknown.slice(0, UNKNOWN_NAMES_SHOWN).join(', ');
    const more = r.unknown.length - UNKNOWN_NAMES_SHOWN;
    out.push(
      '',
      `Unknown before linking (${r.unknown.length}): ${shown}${more > 0 ? `, and ${more} more (--json lists them all)` : ''}`,
    );
    for (const name of r.heapUnknowns) out.push(`  ${name}: ${r.unknownReasons[name] ?? 'unknown'}`);
  }
  const failed = r.asserts.filter((a) => a.holds === false);
  for (const a of failed) out.push(`ASSERT fails at ${a.at}: ${a.message}`);

  if (r.warnings.length > 0) {
    out.push('', 'Warnings');
    for (const w of r.warnings) out.push(`  ! ${w}`);
  }
  out.push('', 'Advice');
  if (r.advice.length === 0 && r.heap.end === null) out.push('  None until the heap end is known.');
  else if (r.advice.length === 0)
    out.push(
      '  Nothing to change: the heap runs to the stack or the top of its region, and the region is the RAM there is.',
    );
  for (const a of r.advice) out.push(`  - ${a}`);
  return `${out.join('\n')}\n`;
}
