/**
 * From an evaluated linker script to what a MicroPython developer wants to know: where the GC heap
 * and the C stack are, how much RAM lies unused beside them, what gc_init makes of the heap (the
 * `GC: total` MicroPython will print), and what to write in the script to use the RAM the chip has.
 */
import { heapLayout, type WordSize } from '../heap/layout.js';
import { bytesText, formatBytes } from '../util/size.js';
import { type Evaluation, numberOf, type SymbolInfo } from './evaluate.js';
import type { McuInfo } from './mcus.js';
import { formatLocation } from './source.js';

/** Heap symbol pairs, by port: rp2, stm32/nrf/mimxrt, samd, and two other common spellings. */
const HEAP_PAIRS: [string, string][] = [
  ['__GcHeapStart', '__GcHeapEnd'],
  ['_heap_start', '_heap_end'],
  ['_sheap', '_eheap'],
  ['__heap_start', '__heap_end'],
  ['_gc_heap_start', '_gc_heap_end'],
];
const STACK_TOPS = ['_estack', '__StackTop', '_stack_top', '__stack_top'];
const STACK_BOTTOMS = ['_sstack', '__StackBottom', '_stack_bottom', '_stack_bot'];
const STACK_SIZES = ['_stack_size', '__stack_size'];
/** Symbols the linker sets at the end of sections: the scripts that only use them still mean "the link". */
const LINK_SYMBOLS = new Set([
  '_ebss',
  '__bss_end__',
  '_end',
  'end',
  '__end__',
  '_edata',
  '__data_end__',
  '_etext',
]);

/** Values ports' build files pass with --defsym, so the advice can say what to pass. */
const MAKEFILE_SYMBOLS: Record<string, string> = {
  _estack_reserve: 'the stm32 Makefile passes --defsym=_estack_reserve=8',
  __micropy_c_heap_size__: 'rp2 CMake passes MICROPY_C_HEAP_SIZE (0 unless the board sets it)',
  __micropy_flash_size__: 'rp2 CMake passes the board flash size',
  __micropy_flash_storage_bytes__: 'rp2 CMake passes MICROPY_HW_FLASH_STORAGE_BYTES',
  _codesize: 'the samd Makefile passes MICROPY_HW_CODESIZE',
  _vfsromsize: 'the samd Makefile passes MICROPY_HW_VFSROMSIZE',
};

/** The stm32 default (`_sstack = _estack - 16K`), assumed when nothing says how big the stack is. */
const DEFAULT_STACK = 16 * 1024;

export interface ReportOptions {
  wordSize: WordSize;
  mcu?: McuInfo;
  /** How the MCU was chosen, for the report. */
  mcuFrom?: 'option' | 'file name';
  /** --ram: bytes of RAM from the heap region's origin. */
  ramBytes?: number;
  /** --stack: the C stack the advice should keep. */
  stackBytes?: number;
  /** Evaluates the scripts again with one region's LENGTH replaced: "what if RAM were 192K?". */
  reevaluate?: (region: string, length: number) => Evaluation;
  files: string[];
}

export interface RegionReport {
  name: string;
  origin: number | null;
  length: number | null;
  end: number | null;
  attributes: string;
  ram: boolean;
  /** Output sections the scripts place in it. */
  sections: string[];
  /** What of the heap and stack lies in it. */
  holds: string[];
}

export interface Span {
  start: number | null;
  end: number | null;
  size: number | null;
}

export interface GcFigures {
  wordSize: WordSize;
  blockSize: number;
  /** Bytes gc_init works with: heap end rounded down to a block, minus the start. */
  regionBytes: number;
  allocTableBytes: number;
  gapBytes: number;
  finaliserTableBytes: number;
  paddingBytes: number;
  /** `GC: total` in mem_info(): the pool of blocks. */
  total: number;
  blocks: number;
}

export interface UnusedSpan {
  start: number;
  end: number;
  bytes: number;
  where: string;
}

export interface LinkerReport {
  files: string[];
  mcu: {
    name: string;
    from: string;
    ram: { name: string; origin: number; length: number }[];
    note?: string;
  } | null;
  wordSize: WordSize;
  regions: RegionReport[];
  heap: Span & { startSymbol: string | null; endSymbol: string | null; region: string | null };
  stack: Span & { topSymbol: string | null; bottomSymbol: string | null; implicit: boolean };
  /** Every symbol with a value: the scripts' own, --defsym and map values they use. */
  symbols: Record<string, number>;
  gc: GcFigures | null;
  unused: UnusedSpan[];
  /** Symbols that could not be evaluated. */
  unknown: string[];
  /** Why, for the names at the root of the unknowns. */
  unknownReasons: Record<string, string>;
  /** The root unknowns the heap and stack figures wait for. */
  heapUnknowns: string[];
  asserts: { at: string; message: string; holds: boolean | null; waitsFor: string[] }[];
  recommended: { heapEnd: number; regionLength: number | null; gc: GcFigures | null } | null;
  advice: string[];
  warnings: string[];
}

export function hex(n: number): string {
  // ld's addresses are unsigned 64-bit; the evaluator keeps the signed view, so -1 is 0xFFFF...FFFF.
  const unsigned = n < 0 ? BigInt.asUintN(64, BigInt(Math.trunc(n))) : n;
  return `0x${unsigned.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** 196608 → "192 KB" (binary K, as datasheets and the linker write it), else "1,000 bytes". */
export function kb(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n % 1024 === 0) return `${n / 1024} KB`;
  return `${bytesText(n)}`;
}

/** The value to write in a MEMORY LENGTH: `192K`, `1M`, else hex. */
function lengthLiteral(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}M`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  return hex(n);
}

const isRam = (name: string, attributes: string) =>
  /w/i.test(attributes.replace(/!.*/, '')) || (/RAM|TCM|CCM|SRAM/i.test(name) && !/FLASH|ROM/i.test(name));

export function gcFigures(start: number, end: number, wordSize: WordSize): GcFigures {
  const l = heapLayout(start, end, { wordSize });
  return {
    wordSize,
    blockSize: l.blockSize,
    regionBytes: l.regionBytes,
    allocTableBytes: l.atbBytes,
    gapBytes: l.gapBytes,
    finaliserTableBytes: l.ftbBytes,
    paddingBytes: l.paddingBytes,
    total: l.poolBytes,
    blocks: l.blocks,
  };
}

interface Located {
  heapStart: SymbolInfo | undefined;
  heapEnd: SymbolInfo | undefined;
  stackTop: SymbolInfo | undefined;
  stackBottom: SymbolInfo | undefined;
  stackSize: SymbolInfo | undefined;
}

function locate(ev: Evaluation): Located {
  const sym = (n: string) => ev.symbols.get(n);
  const pair = HEAP_PAIRS.find(([s, e]) => sym(s) || sym(e)) ?? HEAP_PAIRS[1];
  const first = (names: string[]) => names.map(sym).find((s) => s !== undefined);
  return {
    heapStart: sym(pair[0]),
    heapEnd: sym(pair[1]),
    stackTop: first(STACK_TOPS),
    stackBottom: first(STACK_BOTTOMS),
    stackSize: first(STACK_SIZES),
  };
}

interface Layout {
  heapStart: number | null;
  heapEnd: number | null;
  stackTop: number | null;
  stackBottom: number | null;
  stackImplicit: boolean;
}

function layoutOf(ev: Evaluation, at: Located): Layout {
  const v = (s: SymbolInfo | undefined) => numberOf(s?.value);
  const heapStart = v(at.heapStart);
  const heapEnd = v(at.heapEnd);
  const stackTop = v(at.stackTop);
  let stackBottom = v(at.stackBottom);
  let stackImplicit = false;
  if (stackBottom === null && stackTop !== null) {
    const size = v(at.stackSize);
    if (size !== null) stackBottom = stackTop - size;
    else if (
      !at.stackBottom &&
      heapEnd !== null &&
      heapEnd < stackTop &&
      sameRegion(ev, heapEnd - 1, stackTop - 1)
    ) {
      // Old stm32 scripts: `_heap_end = 0x2001c000` and the stack is whatever lies above it.
      stackBottom = heapEnd;
      stackImplicit = true;
    }
  }
  return { heapStart, heapEnd, stackTop, stackBottom, stackImplicit };
}

function regionAt(ev: Evaluation, addr: number) {
  return ev.regions.find((r) => {
    const o = numberOf(r.origin);
    const l = numberOf(r.length);
    return o !== null && l !== null && isRam(r.name, r.attributes) && addr >= o && addr < o + l;
  });
}

function sameRegion(ev: Evaluation, a: number, b: number): boolean {
  const r = regionAt(ev, a);
  return r !== undefined && r === regionAt(ev, b);
}

export function buildReport(ev: Evaluation, opts: ReportOptions): LinkerReport {
  const at = locate(ev);
  const lay = layoutOf(ev, at);
  const advice: string[] = [];
  const warnings: string[] = ev.diagnostics.map((d) =>
    d.loc ? `${formatLocation(d.loc)}: ${d.message}` : d.message,
  );

  const heapRegion =
    (lay.heapEnd !== null ? regionAt(ev, lay.heapEnd - 1) : undefined) ??
    (lay.heapStart !== null ? regionAt(ev, lay.heapStart) : undefined);
  const stackRegion = lay.stackTop !== null ? regionAt(ev, lay.stackTop - 1) : undefined;

  // ---- regions ------------------------------------------------------------------------------------
  const regions: RegionReport[] = ev.regions.map((r) => {
    const origin = numberOf(r.origin);
    const length = numberOf(r.length);
    const holds: string[] = [];
    if (r === heapRegion) holds.push('heap');
    if (r === stackRegion) holds.push('stack');
    return {
      name: r.name,
      origin,
      length,
      end: origin !== null && length !== null ? origin + length : null,
      attributes: r.attributes,
      ram: isRam(r.name, r.attributes),
      sections: r.sections,
      holds,
    };
  });

  // ---- heap, stack, gc ----------------------------------------------------------------------------
  const size = (a: number | null, b: number | null) => (a !== null && b !== null ? b - a : null);
  const heap = {
    start: lay.heapStart,
    end: lay.heapEnd,
    size: size(lay.heapStart, lay.heapEnd),
    startSymbol: at.heapStart?.name ?? null,
    endSymbol: at.heapEnd?.name ?? null,
    region: heapRegion?.name ?? null,
  };
  const stack = {
    start: lay.stackBottom,
    end: lay.stackTop,
    size: size(lay.stackBottom, lay.stackTop),
    topSymbol: at.stackTop?.name ?? null,
    bottomSymbol:
      at.stackBottom?.name ??
      (at.stackSize && lay.stackBottom !== null ? `${at.stackTop?.name} - ${at.stackSize.name}` : null),
    implicit: lay.stackImplicit,
  };
  const gc =
    heap.start !== null && heap.end !== null && heap.end > heap.start
      ? gcFigures(heap.start, heap.end, opts.wordSize)
      : null;
  if (heap.size !== null && heap.size <= 0)
    warnings.push(`the heap is empty: ${heap.endSymbol} is not above ${heap.startSymbol}`);
  if (lay.heapEnd !== null && lay.stackBottom !== null && !lay.stackImplicit && stackRegion === heapRegion) {
    if (lay.heapEnd > lay.stackBottom && (lay.heapStart ?? lay.heapEnd) < (lay.stackTop ?? 0))
      warnings.push(`the heap overlaps the stack by ${bytesText(lay.heapEnd - lay.stackBottom)}`);
  }

  // ---- unused RAM beside the heap -----------------------------------------------------------------
  const unused: UnusedSpan[] = [];
  const regionEnd = heapRegion ? numberOf(heapRegion.origin)! + numberOf(heapRegion.length)! : null;
  if (heapRegion && lay.heapEnd !== null && regionEnd !== null) {
    const stackHere = stackRegion === heapRegion && lay.stackTop !== null && lay.stackTop >= lay.heapEnd;
    if (stackHere && lay.stackBottom !== null && lay.stackBottom > lay.heapEnd && !lay.stackImplicit)
      unused.push(span(lay.heapEnd, lay.stackBottom, 'between the heap and the stack'));
    const top = stackHere ? Math.max(lay.stackTop!, lay.heapEnd) : lay.heapEnd;
    if (regionEnd > top) unused.push(span(top, regionEnd, stackHere ? 'above the stack' : 'above the heap'));
  }

  // ---- the chip ------------------------------------------------------------------------------------
  const mcu = opts.mcu;
  let physEnd: number | null = regionEnd;
  let chipWords = heapRegion ? `this ${kb(numberOf(heapRegion.length)!)} RAM region` : 'this RAM';
  if (heapRegion && regionEnd !== null) {
    const origin = numberOf(heapRegion.origin)!;
    if (opts.ramBytes !== undefined) {
      physEnd = origin + opts.ramBytes;
      chipWords = `${kb(opts.ramBytes)} of RAM`;
    } else if (mcu) {
      const block = mcu.ram.find((b) => origin >= b.origin && origin < b.origin + b.length);
      if (block) {
        physEnd = block.origin + block.length;
        chipWords = `a ${kb(block.length)} ${mcu.name}`;
      } else {
        warnings.push(
          `region ${heapRegion.name} at ${hex(origin)} is not in the ${mcu.name}'s RAM (${mcu.ram.map((b) => `${b.name} ${hex(b.origin)}`).join(', ')})`,
        );
      }
    }
  }
  if (mcu?.runtimeHeap) advice.push(`${mcu.name}: ${mcu.runtimeHeap}.`);
  if (!at.heapStart && !at.heapEnd)
    warnings.push(
      `no heap symbols found: none of ${HEAP_PAIRS.map(([a, b]) => `${a}/${b}`).join(', ')} is assigned in the scripts or the map`,
    );

  // ---- what to write ------------------------------------------------------------------------------
  let recommended: LinkerReport['recommended'] = null;
  if (heapRegion && regionEnd !== null && physEnd !== null && lay.heapEnd !== null && !mcu?.runtimeHeap) {
    const origin = numberOf(heapRegion.origin)!;
    const regionLength = numberOf(heapRegion.length)!;
    const grow = physEnd - regionEnd;
    const endName = at.heapEnd!.name;
    const chipName = opts.ramBytes === undefined && mcu ? `the ${mcu.name}` : 'the chip';
    const lengthAdvice = () =>
      `MEMORY region \`${heapRegion.name}\` is ${kb(regionLength)} but ${chipName} has ${kb(physEnd! - origin)} from ${hex(origin)}: set \`${heapRegion.name} (${heapRegion.attributes || 'xrw'}) : ORIGIN = ${hex(origin)}, LENGTH = ${lengthLiteral(physEnd! - origin)}\``;

    if (grow > 0)
      unused.push(span(regionEnd, physEnd, `past the end of region ${heapRegion.name}, RAM the chip has`));
    if (grow < 0) {
      warnings.push(
        `MEMORY region ${heapRegion.name} (${kb(regionLength)}) is larger than ${chipWords.replace(/^a /, 'the ')} has from ${hex(origin)} (${kb(physEnd - origin)}): the link can place data where there is no RAM`,
      );
    } else if (!at.heapEnd!.literal) {
      // The heap end follows the stack or the region (`_heap_end = _sstack`): fix the region, it follows.
      let newEnd = lay.heapEnd;
      let newLay: Layout = lay;
      if (grow > 0 && opts.reevaluate) {
        const ev2 = opts.reevaluate(heapRegion.name, physEnd - origin);
        newLay = layoutOf(ev2, locate(ev2));
        newEnd = newLay.heapEnd ?? lay.heapEnd;
      }
      const gap =
        newLay.stackBottom !== null &&
        !newLay.stackImplicit &&
        newLay.stackBottom > newEnd &&
        stackRegion === heapRegion
          ? newLay.stackBottom - newEnd
          : 0;
      const target = newEnd + gap;
      recommended = { heapEnd: target, regionLength: grow > 0 ? physEnd - origin : null, gc: null };
      if (grow > 0) {
        advice.push(
          `${lengthAdvice()}; ${bytesText(grow)} of RAM are unused today, and \`${endName}\` then moves from ${hex(lay.heapEnd)} to ${hex(newEnd)} by itself.`,
        );
      }
      if (gap > 0) {
        const bottomName = at.stackBottom?.name;
        advice.push(
          `\`${endName}\` leaves ${bytesText(gap)} of RAM unused below the stack; for ${chipWords} set \`${endName} = ${bottomName ?? hex(target)}\`${bottomName ? ` (${hex(target)})` : ''}.`,
        );
      }
    } else {
      // `_heap_end = 0x2001c000`: a fixed address, usually copied from the 128 KB STM32F405 template.
      let target: number;
      let stackWords: string;
      /** The stack kept below the top of RAM, when the scripts leave its size implicit. */
      let keep: number | null = null;
      if (!lay.stackImplicit && lay.stackBottom !== null) {
        let bottom = lay.stackBottom;
        if (grow > 0 && opts.reevaluate) {
          const ev2 = opts.reevaluate(heapRegion.name, physEnd - origin);
          bottom = layoutOf(ev2, locate(ev2)).stackBottom ?? bottom;
        }
        target = bottom;
        stackWords = `where the stack starts, \`${at.stackBottom?.name ?? 'stack'}\``;
      } else {
        keep = opts.stackBytes ?? mcu?.stack ?? DEFAULT_STACK;
        const why =
          opts.stackBytes !== undefined
            ? '--stack'
            : mcu?.stack !== undefined
              ? `MicroPython's usual for the ${mcu.name}, --stack to change`
              : "MicroPython's stm32 default, --stack to change";
        target = physEnd - keep;
        stackWords = `this keeps a ${kb(keep)} stack below the top of RAM at ${hex(physEnd)}: ${why}`;
      }
      recommended = { heapEnd: target, regionLength: grow > 0 ? physEnd - origin : null, gc: null };
      if (target > lay.heapEnd) {
        // Inside the region only: RAM past its end is already listed, once (the two must not overlap).
        const inRegion = keep === null ? target : Math.min(target, regionEnd - keep);
        if (lay.stackImplicit && inRegion > lay.heapEnd)
          unused.push(span(lay.heapEnd, inRegion, 'above the heap, more than the stack needs'));
        advice.push(
          `\`${endName}\` leaves ${bytesText(target - lay.heapEnd)} of RAM unused; for ${chipWords} set \`${endName} = ${hex(target)}\` (${stackWords}).`,
        );
        if (grow > 0)
          advice.push(
            `${lengthAdvice()}, so the stack top \`${at.stackTop?.name ?? '_estack'}\` moves to the top of RAM too.`,
          );
      } else if (target === lay.heapEnd) {
        advice.push(`\`${endName} = ${hex(lay.heapEnd)}\` is right for ${chipWords}: ${stackWords}.`);
      } else {
        warnings.push(
          `\`${endName} = ${hex(lay.heapEnd)}\` leaves the stack ${bytesText(physEnd - lay.heapEnd)}; ${stackWords} means \`${endName} = ${hex(target)}\``,
        );
      }
    }
    if (recommended && lay.heapStart !== null && recommended.heapEnd > lay.heapStart)
      recommended.gc = gcFigures(lay.heapStart, recommended.heapEnd, opts.wordSize);
    if (recommended?.gc && gc && recommended.gc.total !== gc.total)
      advice.push(
        `With that, MicroPython's \`GC: total\` grows from ${formatBytes(gc.total)} to ${bytesText(recommended.gc.total)} (${formatBytes(gc.blocks)} → ${formatBytes(recommended.gc.blocks)} blocks).`,
      );
  }

  // ---- unknowns -----------------------------------------------------------------------------------
  const unknown = [...ev.symbols.values()]
    .filter((s) => !s.value.known)
    .map((s) => s.name)
    .sort();
  const unknownReasons: Record<string, string> = {};
  const unknownRoots: string[] = [];
  for (const [n, why] of ev.rootUnknowns)
    unknownReasons[n] = MAKEFILE_SYMBOLS[n] ? `${why}; ${MAKEFILE_SYMBOLS[n]}` : why;
  const heapRoots = rootsFor(ev, [at.heapStart, at.heapEnd, at.stackTop, at.stackBottom, at.stackSize]);
  const startRoots = new Set(rootsFor(ev, [at.heapStart]));
  for (const root of heapRoots) {
    const info = ev.symbols.get(root);
    const what =
      startRoots.has(root) && heap.start === null
        ? ' (where the heap starts, and so the GC figures, waits for it)'
        : '';
    if (MAKEFILE_SYMBOLS[root] && info?.from === 'undefined') {
      const m = /--defsym=(\w+)=(\w+)/.exec(MAKEFILE_SYMBOLS[root]);
      advice.push(
        `\`${root}\` is not in the scripts: ${MAKEFILE_SYMBOLS[root]}; pass ${m ? `--defsym ${m[1]}=${m[2]}` : `--defsym ${root}=VALUE`} to evaluate what depends on it${what}.`,
      );
    } else if (info?.from === 'undefined' && !LINK_SYMBOLS.has(root)) {
      advice.push(
        `\`${root}\` is not defined in the scripts: pass --defsym ${root}=VALUE (or --map FILE.map) to evaluate what depends on it${what}.`,
      );
    } else {
      advice.push(
        `\`${root}\` is set by the link${info?.loc ? ` (${formatLocation(info.loc)})` : ''}: pass --map FILE.map (ld -Map) for its value${what}.`,
      );
    }
  }
  unknownRoots.push(...heapRoots);

  const symbols: Record<string, number> = {};
  for (const s of [...ev.symbols.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const n = numberOf(s.value);
    if (n !== null) symbols[s.name] = n;
  }

  return {
    files: opts.files,
    mcu: mcu
      ? {
          name: mcu.name,
          from: opts.mcuFrom ?? 'option',
          ram: mcu.ram.map((b) => ({ name: b.name, origin: b.origin, length: b.length })),
          ...(mcu.runtimeHeap ? { note: mcu.runtimeHeap } : {}),
        }
      : null,
    wordSize: opts.wordSize,
    regions,
    heap,
    stack,
    symbols,
    gc,
    unused,
    unknown,
    unknownReasons,
    heapUnknowns: unknownRoots,
    asserts: ev.asserts.map((a) => ({
      at: formatLocation(a.loc),
      message: a.message,
      holds: a.holds,
      waitsFor: a.waitsFor,
    })),
    recommended,
    advice,
    warnings,
  };
}

function span(start: number, end: number, where: string): UnusedSpan {
  return { start, end, bytes: end - start, where };
}

/** The root unknowns behind the heap and stack symbols, in a stable order. */
function rootsFor(ev: Evaluation, infos: (SymbolInfo | undefined)[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const info = ev.symbols.get(name);
    if (!info || info.value.known) return;
    if (ev.rootUnknowns.has(name)) out.push(name);
    for (const w of info.value.waitsFor) if (ev.symbols.has(w)) visit(w);
  };
  for (const i of infos) if (i) visit(i.name);
  return out;
}
