/**
 * Linker scripts in the style of MicroPython's stm32, rp2 and nrf ports (test/linker/fixtures),
 * with figures worked out by hand. gc_init arithmetic (32-bit, 16-byte blocks):
 *   T = (end & ~15) - start,  A = floor((T - 1) * 8 / 524),  blocks = 4A,  total = 16 * blocks.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeLinker } from '../../src/linker/analyze.js';

const FIX = join(import.meta.dirname, 'fixtures');
const stm32 = (f: string) => join(FIX, 'stm32', f);
const rp2 = (f: string) => join(FIX, 'rp2', f);
const nrf = (f: string) => join(FIX, 'nrf', f);

describe('stm32: PYBv1.1 (STM32F405) with the common_basic.ld INCLUDE chain', () => {
  const scripts = [stm32('stm32f405.ld'), stm32('common_basic.ld')];

  it('reads every INCLUDEd file and the regions, CCM included', () => {
    const r = analyzeLinker({ scripts, defsyms: ['_estack_reserve=8'] });
    expect(r.files.map((f) => f.split('/').pop())).toEqual([
      'stm32f405.ld',
      'common_basic.ld',
      'common_isr.ld',
      'common_text.ld',
      'common_extratext_data_in_flash.ld',
      'common_bss_heap_stack.ld',
    ]);
    expect(r.regions.filter((g) => g.ram).map((g) => [g.name, g.origin, g.length, g.holds])).toEqual([
      ['CCMRAM', 0x10000000, 65536, []],
      ['RAM', 0x20000000, 131072, ['heap', 'stack']],
    ]);
    expect(r.regions.find((g) => g.name === 'RAM')!.sections).toEqual(['.data', '.bss', '.heap', '.stack']);
    expect(r.regions.find((g) => g.name === 'FLASH_TEXT')!.sections).toEqual(['.text']);
    expect(r.symbols._micropy_hw_internal_flash_storage_ram_cache_end).toBe(0x10010000);
  });

  it('without the map: heap end and stack known, heap start waits for _ebss', () => {
    const r = analyzeLinker({ scripts, defsyms: ['_estack_reserve=8'] });
    expect(r.heap).toMatchObject({ start: null, end: 0x2001bff8, size: null });
    expect(r.stack).toMatchObject({ start: 0x2001bff8, end: 0x2001fff8, size: 16384, implicit: false });
    expect(r.gc).toBeNull();
    expect(r.heapUnknowns).toEqual(['_ebss']);
    expect(r.unknown).toContain('_heap_start');
    expect(r.unused).toEqual([{ start: 0x2001fff8, end: 0x20020000, bytes: 8, where: 'above the stack' }]);
  });

  it('without --defsym _estack_reserve: says what the Makefile passes', () => {
    const r = analyzeLinker({ scripts });
    expect(r.heap.end).toBeNull();
    expect(r.stack.end).toBeNull();
    expect(r.heapUnknowns).toEqual(['_ebss', '_estack_reserve']);
    expect(r.advice.join('\n')).toContain('pass --defsym _estack_reserve=8');
  });

  it('with the map: the spec worked example, GC total 100,032', () => {
    const r = analyzeLinker({
      scripts,
      defsyms: ['_estack_reserve=8'],
      map: join(FIX, 'maps', 'pybv11.map'),
    });
    expect(r.heap).toMatchObject({ start: 0x20003000, end: 0x2001bff8, size: 102392 });
    // T = 0x2001BFF0 - 0x20003000 = 102384; A = floor(102383 * 8 / 524) = 1563.
    expect(r.gc).toEqual({
      wordSize: 4,
      blockSize: 16,
      regionBytes: 102384,
      allocTableBytes: 1563,
      gapBytes: 1,
      finaliserTableBytes: 782,
      paddingBytes: 6,
      total: 100032,
      blocks: 6252,
    });
    expect(r.unknown).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.advice).toEqual([]);
  });

  it('--word 8: 32-byte blocks, total 101,120', () => {
    const r = analyzeLinker({
      scripts,
      defsyms: ['_estack_reserve=8'],
      map: join(FIX, 'maps', 'pybv11.map'),
      wordSize: 8,
    });
    // End rounds down to 0x2001BFE0: T = 102368; A = floor(102367 * 8 / 1036) = 790.
    expect(r.gc).toMatchObject({
      blockSize: 32,
      regionBytes: 102368,
      allocTableBytes: 790,
      blocks: 3160,
      total: 101120,
    });
  });

  it('the same F405 script on an STM32F429: grow LENGTH, the heap end follows by itself', () => {
    const r = analyzeLinker({
      scripts,
      defsyms: ['_estack_reserve=8'],
      mcu: 'STM32F429',
      map: join(FIX, 'maps', 'pybv11.map'),
    });
    expect(r.recommended).toMatchObject({ heapEnd: 0x2002bff8, regionLength: 196608 });
    // New T = 0x2002BFF0 - 0x20003000 = 167920; A = floor(167919 * 8 / 524) = 2563; total 164,032.
    expect(r.recommended!.gc).toMatchObject({ total: 164032, blocks: 10252 });
    expect(r.advice[0]).toBe(
      'MEMORY region `RAM` is 128 KB but the STM32F429 has 192 KB from 0x20000000: set `RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 192K`; 65,536 bytes of RAM are unused today, and `_heap_end` then moves from 0x2001BFF8 to 0x2002BFF8 by itself.',
    );
    expect(r.advice[1]).toBe(
      "With that, MicroPython's `GC: total` grows from 100,032 to 164,032 bytes (6,252 → 10,252 blocks).",
    );
    expect(r.unused).toContainEqual({
      start: 0x20020000,
      end: 0x20030000,
      bytes: 65536,
      where: 'past the end of region RAM, RAM the chip has',
    });
  });
});

describe('the seed article: `_heap_end` as a fixed address from the F405 template', () => {
  it('F405, 128 KB: 0x2001C000 is right', () => {
    const r = analyzeLinker({ scripts: [stm32('stm32f405_template.ld')] });
    expect(r.mcu).toMatchObject({ name: 'STM32F405', from: 'file name' });
    expect(r.heap.end).toBe(0x2001c000);
    expect(r.stack).toMatchObject({ start: 0x2001c000, end: 0x20020000, size: 16384, implicit: true });
    expect(r.recommended?.heapEnd).toBe(0x2001c000);
    expect(r.advice[0]).toBe(
      "`_heap_end = 0x2001C000` is right for a 128 KB STM32F405: this keeps a 16 KB stack below the top of RAM at 0x20020000: MicroPython's usual for the STM32F405, --stack to change.",
    );
  });

  it('F429, 192 KB, script already says 192K: set _heap_end = 0x2002C000', () => {
    const r = analyzeLinker({ scripts: [stm32('stm32f429.ld')] });
    expect(r.mcu?.name).toBe('STM32F429');
    expect(r.heap.end).toBe(0x2001c000);
    expect(r.stack).toMatchObject({ size: 81920, implicit: true });
    expect(r.recommended?.heapEnd).toBe(0x2002c000);
    expect(r.advice[0]).toBe(
      "`_heap_end` leaves 65,536 bytes of RAM unused; for a 192 KB STM32F429 set `_heap_end = 0x2002C000` (this keeps a 16 KB stack below the top of RAM at 0x20030000: MicroPython's usual for the STM32F429, --stack to change).",
    );
    expect(r.unused).toEqual([
      {
        start: 0x2001c000,
        end: 0x2002c000,
        bytes: 65536,
        where: 'above the heap, more than the stack needs',
      },
    ]);
  });

  it('F429 with a known _ebss: GC total grows from 96,000 to 160,064', () => {
    const r = analyzeLinker({ scripts: [stm32('stm32f429.ld')], defsyms: ['_ebss=0x20004000'] });
    // T = 0x2001C000 - 0x20004000 = 98304: A = floor(98303 * 8 / 524) = 1500 → 6000 blocks.
    expect(r.gc).toMatchObject({ total: 96000, blocks: 6000 });
    // T = 0x2002C000 - 0x20004000 = 163840: A = floor(163839 * 8 / 524) = 2501 → 10004 blocks.
    expect(r.recommended!.gc).toMatchObject({ total: 160064, blocks: 10004 });
  });

  it('the F405 template on an F429 (--mcu): 0x2002C000, and LENGTH = 192K', () => {
    const r = analyzeLinker({ scripts: [stm32('stm32f405_template.ld')], mcu: 'stm32f429' });
    expect(r.recommended).toMatchObject({ heapEnd: 0x2002c000, regionLength: 196608 });
    expect(r.advice[0]).toContain(
      '`_heap_end` leaves 65,536 bytes of RAM unused; for a 192 KB STM32F429 set `_heap_end = 0x2002C000`',
    );
    expect(r.advice[1]).toBe(
      'MEMORY region `RAM` is 128 KB but the STM32F429 has 192 KB from 0x20000000: set `RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 192K`, so the stack top `_estack` moves to the top of RAM too.',
    );
    // The 64 KB unused is listed once: past the end of the 128 KB region (the implicit stack fills
    // the region above the heap), not a second time as an overlapping span above the heap.
    expect(r.unused).toEqual([
      {
        start: 0x20020000,
        end: 0x20030000,
        bytes: 65536,
        where: 'past the end of region RAM, RAM the chip has',
      },
    ]);
  });

  it('unused spans never overlap and add up to what the advice says is unused', () => {
    const cases = [
      { scripts: [stm32('stm32f405_template.ld')], mcu: 'stm32f429' },
      { scripts: [stm32('stm32f405_template.ld')], mcu: 'stm32f429', stackBytes: 8192 },
      { scripts: [stm32('stm32f429.ld')] },
      { scripts: [stm32('stm32f405_template.ld')], ramBytes: 256 * 1024 },
    ];
    for (const c of cases) {
      const r = analyzeLinker(c);
      const spans = [...r.unused].sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThanOrEqual(spans[i - 1].end);
      const said = /leaves ([\d,]+) bytes of RAM unused/.exec(r.advice.join(' '))?.[1];
      expect(spans.reduce((n, u) => n + u.bytes, 0)).toBe(Number(said?.replace(/,/g, '')));
    }
  });

  it('--ram and --stack for a chip not in the table', () => {
    const r = analyzeLinker({
      scripts: [stm32('stm32f405_template.ld')],
      ramBytes: 256 * 1024,
      stackBytes: 8 * 1024,
    });
    expect(r.mcu).toBeNull();
    // 0x20000000 + 256K - 8K = 0x2003E000.
    expect(r.recommended?.heapEnd).toBe(0x2003e000);
    expect(r.advice[0]).toContain('for 256 KB of RAM set `_heap_end = 0x2003E000`');
  });
});

describe('stm32: DTCM regions and fixed heap ends', () => {
  it('F767: DTCM and Ethernet buffers beside RAM; 0x20078000 keeps the 32K stack', () => {
    const r = analyzeLinker({ scripts: [stm32('stm32f767.ld')] });
    const ram = r.regions.filter((g) => g.ram).map((g) => [g.name, g.origin, g.length]);
    expect(ram).toEqual([
      ['DTCM', 0x20000000, 131072],
      ['ETHER_BUF1', 0x20020000, 256],
      ['ETHER_BUF2', 0x20020100, 256],
      ['ETHER_BUF3', 0x20020200, 7620],
      ['ETHER_BUF4', 0x20022100, 7620],
      ['RAM', 0x20024000, 376832],
    ]);
    expect(r.heap).toMatchObject({ end: 0x20078000, region: 'RAM' });
    expect(r.stack).toMatchObject({ start: 0x20078000, end: 0x20080000, size: 32768, implicit: true });
    expect(r.recommended?.heapEnd).toBe(0x20078000);
    expect(r.regions.find((g) => g.name === 'ETHER_BUF1')!.sections).toEqual(['.RxDescripSection']);
  });

  it('H743: the heap in AXI SRAM, DTCM apart', () => {
    const r = analyzeLinker({
      scripts: [stm32('stm32h743.ld')],
      defsyms: ['_estack_reserve=8', '_ebss=0x24004000'],
    });
    expect(r.heap).toMatchObject({ start: 0x24004000, end: 0x2407bff8, region: 'RAM' });
    // T = 0x2407BFF0 - 0x24004000 = 491504: A = floor(491503 * 8 / 524) = 7503 → 30012 blocks.
    expect(r.gc).toMatchObject({ total: 480192, blocks: 30012 });
    expect(r.regions.find((g) => g.name === 'DTCM')).toMatchObject({ ram: true, holds: [] });
    expect(r.advice).toEqual([]);
  });

  it('a board folder script finds its common scripts through -L', () => {
    const board = stm32('boards/MYBOARD_F722/board.ld');
    const missing = analyzeLinker({ scripts: [board], defsyms: ['_estack_reserve=8'] });
    expect(missing.warnings).toEqual([
      `${board}:22:1: INCLUDE common_basic.ld: file not found (add its folder with -L DIR)`,
    ]);
    // Still reports what it can.
    expect(missing.stack).toMatchObject({ start: 0x20037ff8, end: 0x2003fff8, size: 32768 });

    const r = analyzeLinker({
      scripts: [board],
      defsyms: ['_estack_reserve=8'],
      searchDirs: [join(FIX, 'stm32')],
    });
    expect(r.warnings).toEqual([]);
    expect(r.files.map((f) => f.split('/').pop())).toContain('common_bss_heap_stack.ld');
    expect(r.heapUnknowns).toEqual(['_ebss']);
    expect(r.regions.find((g) => g.name === 'RAM')!.sections).toEqual(['.data', '.bss', '.heap', '.stack']);
  });
});

describe('rp2: GC heap from the end of the C heap to the top of RAM', () => {
  const script = rp2('memmap_mp_rp2040.ld');

  it('without the map: the heap end and stack top, and what the rest waits for', () => {
    const r = analyzeLinker({ scripts: [script] });
    expect(r.mcu?.name).toBe('RP2040');
    expect(r.heap).toMatchObject({
      start: null,
      end: 0x20040000,
      startSymbol: '__GcHeapStart',
      endSymbol: '__GcHeapEnd',
    });
    expect(r.stack).toMatchObject({ start: null, end: 0x20042000, topSymbol: '__StackTop' });
    expect(r.heapUnknowns).toEqual(['__bss_end__', '__micropy_c_heap_size__', '__StackBottom']);
    expect(r.asserts.map((a) => a.holds)).toEqual([null, null]);
  });

  it('with the map: GC total 213,888, the stack from SIZEOF(.stack_dummy), both ASSERTs hold', () => {
    const r = analyzeLinker({ scripts: [script], map: join(FIX, 'maps', 'rpi_pico.map') });
    expect(r.heap).toMatchObject({ start: 0x2000a8c0, end: 0x20040000, size: 218944, region: 'RAM' });
    // T = 218944: A = floor(218943 * 8 / 524) = 3342 → 13368 blocks.
    expect(r.gc).toMatchObject({
      total: 213888,
      blocks: 13368,
      allocTableBytes: 3342,
      finaliserTableBytes: 1671,
    });
    expect(r.stack).toMatchObject({ start: 0x20041800, end: 0x20042000, size: 2048 });
    expect(r.regions.find((g) => g.name === 'SCRATCH_Y')!.holds).toEqual(['stack']);
    expect(r.asserts.map((a) => a.holds)).toEqual([true, true]);
    expect(r.unused).toEqual([]);
    expect(r.advice).toEqual([]);
  });

  it('rp2350: 512K of main RAM', () => {
    const r = analyzeLinker({
      scripts: [rp2('memmap_mp_rp2350.ld')],
      defsyms: ['__micropy_c_heap_size__=0', '__bss_end__=0x20010000'],
    });
    expect(r.mcu?.name).toBe('RP2350');
    expect(r.heap).toMatchObject({ start: 0x20010000, end: 0x20080000, size: 458752 });
    // T = 458752: A = floor(458751 * 8 / 524) = 7003 → 28012 blocks.
    expect(r.gc).toMatchObject({ total: 448192, blocks: 28012 });
    expect(r.stack.end).toBe(0x20082000);
  });
});

describe('nrf: four scripts with -T, forward references and DEFINED()', () => {
  const scripts = [nrf('nrf52840_1M_256k.ld'), nrf('s140_6.1.1.ld'), nrf('memory.ld'), nrf('common.ld')];

  it('SoftDevice RAM moves the region; the heap ends 8K below the top', () => {
    const r = analyzeLinker({ scripts, defsyms: ['_ebss=0x20006A30'] });
    expect(r.mcu?.name).toBe('nRF52840');
    // _app_ram_start = 0x20000000 + 0x39C0; _app_ram_size = 256K - 0x39C0 = 247360.
    expect(r.regions.map((g) => [g.name, g.origin, g.length])).toEqual([
      ['FLASH_TEXT', 0x26000, 827392],
      ['RAM', 0x200039c0, 247360],
    ]);
    expect(r.heap).toMatchObject({ start: 0x20006a30, end: 0x2003e000, size: 226768 });
    expect(r.stack).toMatchObject({ start: 0x2003e000, end: 0x20040000, size: 8192 });
    // T = 226768: A = floor(226767 * 8 / 524) = 3462 → 13848 blocks.
    expect(r.gc).toMatchObject({ total: 221568, blocks: 13848 });
    expect(r.asserts).toEqual([
      { at: `${nrf('memory.ld')}:23:1`, message: 'not enough RAM left for heap', holds: true, waitsFor: [] },
    ]);
    expect(r.symbols._fs_start).toBe(0x26000 + 827392);
  });

  it('without a SoftDevice: RAM from 0x20000000; a failing ASSERT is reported', () => {
    const r = analyzeLinker({ scripts: [scripts[0], scripts[2], scripts[3]], defsyms: ['_ebss=0x2001C000'] });
    expect(r.regions.find((g) => g.name === 'RAM')).toMatchObject({ origin: 0x20000000, length: 262144 });
    expect(r.heap).toMatchObject({ start: 0x2001c000, end: 0x2003e000, size: 139264 });
    const heapSmall = analyzeLinker({
      scripts: [scripts[0], scripts[2], scripts[3]],
      defsyms: ['_ebss=0x20030000'],
    });
    expect(heapSmall.asserts[0].holds).toBe(false);
    expect(heapSmall.warnings).toContain(
      `${nrf('memory.ld')}:23:1: ASSERT fails: not enough RAM left for heap`,
    );
  });
});

describe('other inputs', () => {
  it('a map file alone: regions and symbols from the map', () => {
    const r = analyzeLinker({ scripts: [], map: join(FIX, 'maps', 'pybv11.map') });
    expect(r.heap).toMatchObject({ start: 0x20003000, end: 0x2001bff8 });
    expect(r.gc?.total).toBe(100032);
    expect(r.regions.find((g) => g.name === 'RAM')).toMatchObject({ origin: 0x20000000, length: 131072 });
  });

  it('a map that disagrees with the scripts is flagged', () => {
    const r = analyzeLinker({
      scripts: [stm32('stm32f405.ld')],
      defsyms: ['_estack_reserve=0'],
      map: join(FIX, 'maps', 'pybv11.map'),
    });
    expect(r.warnings).toContain(
      'the map gives _estack = 0x2001FFF8 but the scripts give 0x20020000: is it from a build of these scripts (and the same --defsym)?',
    );
  });

  it('warns once per file about C-preprocessor lines and reads past them', () => {
    const files: Record<string, string> = {
      'cpp.ld':
        'MEMORY\n{\n  RAM (rw) : ORIGIN = 0x20000000, LENGTH = 64K\n  #ifdef EXTRA\n}\n#endif\n_heap_end = 0x2000C000;\n',
    };
    const r = analyzeLinker({ scripts: ['cpp.ld'], readFile: (p) => files[p] });
    expect(r.warnings).toEqual([
      'cpp.ld:4:3: C-preprocessor lines (#ifdef...) are skipped: every branch of an #if is read, as if all were true',
    ]);
    expect(r.heap.end).toBe(0x2000c000);
  });

  it('ESP32: the heap is sized at run time', () => {
    const r = analyzeLinker({
      scripts: [stm32('stm32h743.ld')],
      mcu: 'esp32',
      defsyms: ['_estack_reserve=8'],
    });
    expect(r.advice[0]).toMatch(/^ESP32: the esp32 port sizes the GC heap at run time/);
    expect(r.recommended).toBeNull();
  });
});
