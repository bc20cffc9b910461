/**
 * The RAM of common MicroPython targets, from the manufacturers' datasheets and reference manuals
 * (the source of each figure is in the comment above its entry). `main` is the block MicroPython's
 * linker script calls RAM and puts the GC heap in; the other blocks are listed so the report can name
 * RAM the heap does not use (CCM, DTCM, SRAM4...).
 *
 * `stack` is the C stack MicroPython's own linker scripts give that chip (stm32 `_sstack = _estack -
 * 16K`, nrf `_stack_size = 8K`, samd `_sstack = _estack - 16K`); it is what the advice assumes when a
 * script fixes `_heap_end` at an address and leaves the stack implicit.
 */

export interface RamBlock {
  name: string;
  origin: number;
  length: number;
  note?: string;
}

export interface McuInfo {
  name: string;
  /** Other spellings accepted by --mcu and recognised in script file names. */
  aliases: string[];
  ram: RamBlock[];
  /** Index into `ram` of the block that holds the heap. */
  main: number;
  stack?: number;
  /** Set for targets whose heap is not sized by the linker script. */
  runtimeHeap?: string;
}

const K = 1024;

const ESP32_NOTE =
  'the esp32 port sizes the GC heap at run time: since v1.21 it starts with MICROPY_GC_INITIAL_HEAP_SIZE ' +
  '(56K on ESP32, 36K on C2/S2 without SPIRAM, else 64K) taken from the IDF heap and grows it with ' +
  'malloc (SPIRAM when CONFIG_SPIRAM_USE_MALLOC); the linker script does not set it, so change ' +
  'MICROPY_GC_INITIAL_HEAP_SIZE or the IDF configuration instead';

export const MCUS: McuInfo[] = [
  // STM32F405xx/407xx datasheet DS8626, "Embedded SRAM" and RM0090 memory map: SRAM1 112 KB at
  // 0x2000 0000 + SRAM2 16 KB at 0x2001 C000 (contiguous 128 KB), CCM data RAM 64 KB at 0x1000 0000.
  {
    name: 'STM32F405',
    aliases: ['STM32F405RG', 'STM32F405VG', 'STM32F407', 'PYBV10', 'PYBV11'],
    ram: [
      { name: 'SRAM1+SRAM2', origin: 0x2000_0000, length: 128 * K },
      { name: 'CCM', origin: 0x1000_0000, length: 64 * K, note: 'core-coupled, no DMA' },
    ],
    main: 0,
    stack: 16 * K,
  },
  // STM32F411xC/E datasheet DS10314, "Embedded SRAM": 128 KB at 0x2000 0000, no CCM.
  {
    name: 'STM32F411',
    aliases: ['STM32F411RE', 'STM32F411CE', 'STM32F411VE'],
    ram: [{ name: 'SRAM', origin: 0x2000_0000, length: 128 * K }],
    main: 0,
    stack: 16 * K,
  },
  // STM32F427/429 datasheet DS9405, "Embedded SRAM" and RM0090: SRAM1 112 KB + SRAM2 16 KB + SRAM3
  // 64 KB contiguous from 0x2000 0000 (192 KB), CCM data RAM 64 KB at 0x1000 0000 (256 KB in all).
  {
    name: 'STM32F429',
    aliases: ['STM32F429ZI', 'STM32F429I', 'STM32F427', 'STM32F439'],
    ram: [
      { name: 'SRAM1+SRAM2+SRAM3', origin: 0x2000_0000, length: 192 * K },
      { name: 'CCM', origin: 0x1000_0000, length: 64 * K, note: 'core-coupled, no DMA' },
    ],
    main: 0,
    stack: 16 * K,
  },
  // STM32F446xC/E datasheet DS10693, "Embedded SRAM": SRAM1 112 KB + SRAM2 16 KB = 128 KB at
  // 0x2000 0000, no CCM.
  {
    name: 'STM32F446',
    aliases: ['STM32F446RE', 'STM32F446ZE'],
    ram: [{ name: 'SRAM1+SRAM2', origin: 0x2000_0000, length: 128 * K }],
    main: 0,
    stack: 16 * K,
  },
  // STM32F722xx datasheet DS11853 and RM0431 memory map: DTCM 64 KB at 0x2000 0000, SRAM1 176 KB at
  // 0x2001 0000, SRAM2 16 KB at 0x2003 C000 (contiguous 256 KB); ITCM RAM 16 KB at 0x0000 0000.
  {
    name: 'STM32F722',
    aliases: ['STM32F722ZE', 'STM32F722RE', 'STM32F723', 'STM32F732', 'STM32F733'],
    ram: [
      { name: 'DTCM+SRAM1+SRAM2', origin: 0x2000_0000, length: 256 * K },
      { name: 'ITCM', origin: 0x0000_0000, length: 16 * K, note: 'instruction TCM' },
    ],
    main: 0,
    stack: 32 * K,
  },
  // STM32F765/767 datasheet DS11532 and RM0410 memory map: DTCM 128 KB at 0x2000 0000, SRAM1 368 KB
  // at 0x2002 0000, SRAM2 16 KB at 0x2007 C000 (contiguous 512 KB); ITCM RAM 16 KB at 0x0000 0000.
  {
    name: 'STM32F767',
    aliases: ['STM32F767ZI', 'STM32F765', 'STM32F769', 'STM32F777'],
    ram: [
      { name: 'DTCM+SRAM1+SRAM2', origin: 0x2000_0000, length: 512 * K },
      { name: 'ITCM', origin: 0x0000_0000, length: 16 * K, note: 'instruction TCM' },
    ],
    main: 0,
    stack: 32 * K,
  },
  // STM32H742/743/753/750 datasheet DS12110 and RM0433 memory map: AXI SRAM 512 KB at 0x2400 0000
  // (MicroPython's heap), DTCM 128 KB at 0x2000 0000, SRAM1/2/3 128+128+32 KB at 0x3000 0000,
  // SRAM4 64 KB at 0x3800 0000, ITCM 64 KB at 0x0000 0000, backup SRAM 4 KB at 0x3880 0000.
  {
    name: 'STM32H743',
    aliases: ['STM32H743ZI', 'STM32H743VI', 'STM32H753', 'STM32H750'],
    ram: [
      { name: 'AXI SRAM', origin: 0x2400_0000, length: 512 * K },
      { name: 'DTCM', origin: 0x2000_0000, length: 128 * K },
      { name: 'SRAM1+SRAM2+SRAM3', origin: 0x3000_0000, length: 288 * K, note: 'D2 domain' },
      { name: 'SRAM4', origin: 0x3800_0000, length: 64 * K, note: 'D3 domain' },
      { name: 'ITCM', origin: 0x0000_0000, length: 64 * K, note: 'instruction TCM' },
      { name: 'Backup SRAM', origin: 0x3880_0000, length: 4 * K },
    ],
    main: 0,
    stack: 16 * K,
  },
  // RP2040 datasheet, section 2.6.2 "SRAM": 264 KB in six banks; SRAM0-3 striped as 256 KB at
  // 0x2000 0000, SRAM4 4 KB at 0x2004 0000 and SRAM5 4 KB at 0x2004 1000 (SCRATCH_X / SCRATCH_Y,
  // where the Pico SDK puts the core 1 and core 0 stacks).
  {
    name: 'RP2040',
    aliases: ['PICO', 'RPI_PICO', 'RPI_PICO_W'],
    ram: [
      { name: 'SRAM0-3', origin: 0x2000_0000, length: 256 * K },
      { name: 'SRAM4 (SCRATCH_X)', origin: 0x2004_0000, length: 4 * K },
      { name: 'SRAM5 (SCRATCH_Y)', origin: 0x2004_1000, length: 4 * K },
    ],
    main: 0,
  },
  // RP2350 datasheet, section 4.2 "SRAM": 520 KB; SRAM0-7 striped as 512 KB at 0x2000 0000, SRAM8
  // 4 KB at 0x2008 0000 and SRAM9 4 KB at 0x2008 1000 (SCRATCH_X / SCRATCH_Y).
  {
    name: 'RP2350',
    aliases: ['PICO2', 'RPI_PICO2', 'RPI_PICO2_W'],
    ram: [
      { name: 'SRAM0-7', origin: 0x2000_0000, length: 512 * K },
      { name: 'SRAM8 (SCRATCH_X)', origin: 0x2008_0000, length: 4 * K },
      { name: 'SRAM9 (SCRATCH_Y)', origin: 0x2008_1000, length: 4 * K },
    ],
    main: 0,
  },
  // nRF52840 Product Specification v1.7, section 4.2 "Memory": 256 KB data RAM at 0x2000 0000 (a
  // SoftDevice, when used, takes the bottom of it: see `_sd_ram` in the nrf port's scripts).
  {
    name: 'nRF52840',
    aliases: ['NRF52840', 'PCA10056', 'PCA10059'],
    ram: [{ name: 'Data RAM', origin: 0x2000_0000, length: 256 * K }],
    main: 0,
    stack: 8 * K,
  },
  // SAM D21 family datasheet DS40001882, "Configuration Summary": SAMD21x18 has 32 KB SRAM at
  // 0x2000 0000 (x17 16 KB, x16 8 KB, x15 4 KB).
  {
    name: 'SAMD21',
    aliases: ['SAMD21G18', 'SAMD21G18A', 'SAMD21E18', 'SAMD21J18', 'SAMD21X18', 'SAMD21X18A', 'ATSAMD21G18'],
    ram: [{ name: 'SRAM', origin: 0x2000_0000, length: 32 * K }],
    main: 0,
    stack: 8 * K,
  },
  // SAM D5x/E5x family datasheet DS60001507, "Configuration Summary": SAMD51x19 has 192 KB SRAM at
  // 0x2000 0000 (x18 128 KB, x20 256 KB).
  {
    name: 'SAMD51',
    aliases: ['SAMD51J19', 'SAMD51G19', 'SAMD51G19A', 'SAMD51J19A', 'SAMD51X19', 'SAMD51X19A', 'ATSAMD51J19'],
    ram: [{ name: 'SRAM', origin: 0x2000_0000, length: 192 * K }],
    main: 0,
    stack: 16 * K,
  },
  // SAM D5x/E5x family datasheet DS60001507: SAMD51x20 has 256 KB SRAM at 0x2000 0000.
  {
    name: 'SAMD51x20',
    aliases: ['SAMD51P20', 'SAMD51J20', 'SAMD51P20A', 'SAMD51J20A', 'SAMD51X20A'],
    ram: [{ name: 'SRAM', origin: 0x2000_0000, length: 256 * K }],
    main: 0,
    stack: 16 * K,
  },
  // ESP32 datasheet v4.x, section 3.1.2 "Internal Memory": 520 KB SRAM (SRAM0 192 KB, SRAM1 128 KB,
  // SRAM2 200 KB); data bus view of SRAM2+SRAM1 from 0x3FFA E000.
  {
    name: 'ESP32',
    aliases: ['ESP32_GENERIC', 'ESP32-WROOM-32'],
    ram: [{ name: 'SRAM (data bus)', origin: 0x3ffa_e000, length: 328 * K }],
    main: 0,
    runtimeHeap: ESP32_NOTE,
  },
  // ESP32-S2 datasheet, section "Internal Memory": 320 KB SRAM at 0x3FFB 0000 (data bus).
  {
    name: 'ESP32-S2',
    aliases: ['ESP32S2', 'ESP32_GENERIC_S2'],
    ram: [{ name: 'SRAM', origin: 0x3ffb_0000, length: 320 * K }],
    main: 0,
    runtimeHeap: ESP32_NOTE,
  },
  // ESP32-S3 datasheet, section "Internal Memory": 512 KB SRAM; data bus view from 0x3FC8 8000.
  {
    name: 'ESP32-S3',
    aliases: ['ESP32S3', 'ESP32_GENERIC_S3'],
    ram: [{ name: 'SRAM', origin: 0x3fc8_8000, length: 480 * K }],
    main: 0,
    runtimeHeap: ESP32_NOTE,
  },
  // ESP32-C3 datasheet, section "Internal Memory": 400 KB SRAM (16 KB of it cache) at 0x3FC8 0000.
  {
    name: 'ESP32-C3',
    aliases: ['ESP32C3', 'ESP32_GENERIC_C3'],
    ram: [{ name: 'SRAM', origin: 0x3fc8_0000, length: 384 * K }],
    main: 0,
    runtimeHeap: ESP32_NOTE,
  },
  // ESP32-C6 datasheet, section "Internal Memory": 512 KB HP SRAM at 0x4080 0000.
  {
    name: 'ESP32-C6',
    aliases: ['ESP32C6', 'ESP32_GENERIC_C6'],
    ram: [{ name: 'HP SRAM', origin: 0x4080_0000, length: 512 * K }],
    main: 0,
    runtimeHeap: ESP32_NOTE,
  },
];

const norm = (s: string) => s.toUpperCase().replace(/[\s_-]/g, '');

/** Finds an MCU by name or alias, case and punctuation ignored (`stm32f429`, `rp2040`, `esp32-s3`). */
export function findMcu(name: string): McuInfo | undefined {
  const n = norm(name);
  return MCUS.find((m) => norm(m.name) === n || m.aliases.some((a) => norm(a) === n));
}

/**
 * Recognises the MCU from a linker script's file name, as MicroPython names them (`stm32f429.ld`,
 * `memmap_mp_rp2040.ld`, `samd51x19a.ld`, `nrf52840_1M_256k.ld`).
 */
export function mcuFromFileName(path: string): McuInfo | undefined {
  const base = (path.split(/[\\/]/).pop() ?? '').toUpperCase();
  const candidates: { mcu: McuInfo; len: number }[] = [];
  for (const m of MCUS) {
    for (const n of [m.name, ...m.aliases]) {
      const key = n.toUpperCase().replace(/[\s-]/g, '');
      if (key.length >= 5 && base.replace(/[\s-]/g, '').includes(key))
        candidates.push({ mcu: m, len: key.length });
    }
  }
  candidates.sort((a, b) => b.len - a.len);
  return candidates[0]?.mcu;
}

export function mcuNames(): string[] {
  return MCUS.map((m) => m.name);
}
