/** `mpheap linker` end to end through the CLI's main(): output, JSON, help and exit codes. */
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const FIX = relative(process.cwd(), join(import.meta.dirname, 'fixtures'));

let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  process.exitCode = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const run = (...args: string[]) => main(['node', 'mpheap', 'linker', ...args]);

describe('mpheap linker', () => {
  it('prints the F429 advice with the exact value to write', async () => {
    const code = await run(join(FIX, 'stm32', 'stm32f429.ld'));
    expect(code).toBe(0);
    expect(stdout).toContain('Heap   ? .. 0x2001C000  size unknown  (_heap_start .. _heap_end, in RAM)');
    expect(stdout).toContain(
      'Stack  0x2001C000 .. 0x20030000  81,920 bytes  (_heap_end .. _estack: whatever lies above the heap)',
    );
    expect(stdout).toContain(
      '- `_heap_end` leaves 65,536 bytes of RAM unused; for a 192 KB STM32F429 set `_heap_end = 0x2002C000`',
    );
  });

  it('prints regions, heap, stack and the GC figures for PYBv1.1 with its map', async () => {
    const code = await run(
      join(FIX, 'stm32', 'stm32f405.ld'),
      join(FIX, 'stm32', 'common_basic.ld'),
      '--defsym',
      '_estack_reserve=8',
      '--map',
      join(FIX, 'maps', 'pybv11.map'),
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      '  RAM          0x20000000  0x20020000  128 KB  (xrw)  heap + stack: .data .bss .heap .stack',
    );
    expect(stdout).toContain(
      'Heap   0x20003000 .. 0x2001BFF8  102,392 bytes  (_heap_start .. _heap_end, in RAM)',
    );
    expect(stdout).toContain('Stack  0x2001BFF8 .. 0x2001FFF8  16,384 bytes  (_sstack .. _estack)');
    expect(stdout).toContain(
      'GC (gc_init, 32-bit, 16-byte blocks): 102,384 bytes = alloc table 1,563 + gap 1 + finaliser table 782 + padding 6 + pool 100,032',
    );
    expect(stdout).toContain('  GC: total 100,032 bytes, 6,252 blocks');
  });

  it('--json has heap, stack, regions, symbols, gc, unknown and advice', async () => {
    const code = await run(join(FIX, 'stm32', 'stm32f405_template.ld'), '--mcu', 'STM32F429', '--json');
    expect(code).toBe(0);
    const j = JSON.parse(stdout);
    expect(j.heap).toEqual({
      start: null,
      end: 0x2001c000,
      size: null,
      startSymbol: '_heap_start',
      endSymbol: '_heap_end',
      region: 'RAM',
    });
    expect(j.stack).toEqual({
      start: 0x2001c000,
      end: 0x20020000,
      size: 16384,
      topSymbol: '_estack',
      bottomSymbol: null,
      implicit: true,
    });
    expect(j.regions.find((r: { name: string }) => r.name === 'CCMRAM')).toMatchObject({
      origin: 0x10000000,
      length: 65536,
    });
    expect(j.symbols._estack).toBe(0x20020000);
    expect(j.symbols._heap_end).toBe(0x2001c000);
    expect('_ebss' in j.symbols).toBe(false);
    expect(j.gc).toBeNull();
    expect(j.unknown).toContain('_ebss');
    expect(j.unknown).toContain('_heap_start');
    expect(j.recommended.heapEnd).toBe(0x2002c000);
    expect(j.advice[0]).toContain('set `_heap_end = 0x2002C000`');
    expect(j.mcu.name).toBe('STM32F429');
  });

  it('finds INCLUDEs through -L', async () => {
    const code = await run(
      join(FIX, 'stm32', 'boards', 'MYBOARD_F722', 'board.ld'),
      '-L',
      join(FIX, 'stm32'),
      '--defsym',
      '_estack_reserve=8',
      '--defsym',
      '_ebss=0x20002000',
      '--json',
    );
    expect(code).toBe(0);
    const j = JSON.parse(stdout);
    expect(j.warnings).toEqual([]);
    // 0x20040000 - 8 - 32K = 0x20037FF8; T = 0x20037FF0 - 0x20002000 = 221168; A = floor(221167*8/524) = 3376.
    expect(j.heap).toMatchObject({ start: 0x20002000, end: 0x20037ff8, size: 221176 });
    expect(j.gc).toMatchObject({ total: 216064, blocks: 13504 });
  });

  it('exits 2 with file:line:column on a syntax error', async () => {
    const file = join(FIX, 'bad', 'missing_semicolon.ld');
    const code = await run(file);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `mpheap: ${file}:6:1: expected ';' after the assignment to _estack, found '_sstack'\n`,
    );
  });

  it('exits 2 on a missing file, an unknown MCU, a bad --defsym or --mcu with --ram', async () => {
    expect(await run(join(FIX, 'nope.ld'))).toBe(2);
    expect(stderr).toContain(`cannot read '${join(FIX, 'nope.ld')}': no such file`);
    stderr = '';
    expect(await run(join(FIX, 'stm32', 'stm32f429.ld'), '--mcu', 'Z80')).toBe(2);
    expect(stderr).toContain("--mcu: 'Z80' is not one I know; try one of STM32F405");
    stderr = '';
    expect(await run(join(FIX, 'stm32', 'stm32f429.ld'), '--defsym', 'x=(1')).toBe(2);
    expect(stderr).toBe(
      "mpheap: --defsym #1:1:5: expected ')' to close the parenthesis, found end of file\n",
    );
    stderr = '';
    expect(await run(join(FIX, 'stm32', 'stm32f429.ld'), '--mcu', 'STM32F429', '--ram', '192K')).toBe(2);
    expect(stderr).toContain('give --mcu or --ram, not both');
    stderr = '';
    expect(await run()).toBe(2);
    expect(stderr).toContain('give at least one linker script, or the link with --map FILE or --elf FILE');
  });

  it('--help teaches with examples', async () => {
    const code = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: mpheap linker [options] [scripts...]');
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('--defsym _estack_reserve=8');
    expect(stdout).toContain('--map <file>');
  });

  it('--list-mcus names every MCU with its RAM', async () => {
    const code = await run('--list-mcus');
    expect(code).toBe(0);
    expect(stdout).toContain('STM32F429  SRAM1+SRAM2+SRAM3 192 KB at 0x20000000, CCM 64 KB at 0x10000000');
    expect(stdout).toContain('ESP32      SRAM (data bus) 328 KB at 0x3FFAE000 (heap sized at run time)');
  });
});
