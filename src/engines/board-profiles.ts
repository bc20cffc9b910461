/**
 * What a board's stock firmware gives its GC heap, so the embedded engine can run a script in a
 * heap of the same size (`mpheap run --board NAME`, `mpheap fit`). Each figure says where it
 * comes from: measured here, printed by a board in a capture people published (`GC: total`), or
 * computed from the firmware's source by gc_init's own arithmetic. A figure that is not exact
 * says so, and how far off it may be: no figure is made up.
 */

export interface BoardProfile {
  /** `microbit-v1`, `pico`, … */
  name: string;
  /** `BBC micro:bit V1 (nRF51822, 16 KiB RAM)`. */
  title: string;
  /** The GC pool at start, as `GC: total` prints it (the first area, on a heap that grows). */
  poolBytes: number;
  /** Null when exact; otherwise how far the true pool may be from poolBytes, in bytes. */
  uncertaintyBytes: number | null;
  /** Where poolBytes comes from, with the firmware version. */
  source: string;
  /**
   * Null for a fixed heap. For a heap that grows (esp32's split heap since v1.21): how much it
   * can add, from the same source (`max new split` at boot), and what that means here.
   */
  canGrowBytes: number | null;
  /** 4: 32-bit, 16-byte blocks. */
  wordSize: 4 | 8;
}

export const BOARD_PROFILES: readonly BoardProfile[] = [
  {
    name: 'microbit-v1',
    title: 'BBC micro:bit V1 (nRF51822, 16 KiB RAM)',
    poolBytes: 10048,
    uncertaintyBytes: null,
    source:
      "measured on the emulated micro:bit (QEMU, Debian's firmware-microbit-micropython: MicroPython 1.9.2)",
    canGrowBytes: null,
    wordSize: 4,
  },
  {
    name: 'microbit-v2',
    title: 'BBC micro:bit V2 (nRF52833, 128 KiB RAM)',
    poolBytes: 64000,
    uncertaintyBytes: null,
    source:
      'gc_init over the 64 KiB static heap of micropython-microbit-v2 (src/codal_port/main.c), ' +
      "computed with gc_init's arithmetic (src/heap/layout.ts): 1,000 ATB bytes, 4,000 blocks",
    canGrowBytes: null,
    wordSize: 4,
  },
  {
    name: 'pico',
    title: 'Raspberry Pi Pico (RP2040, 264 KiB RAM)',
    poolBytes: 245760,
    uncertaintyBytes: 512,
    source:
      'MicroPython v1.27.0 on a Pico (RP2040): "240 KB" for gc.mem_alloc() + gc.mem_free() in the ' +
      "mpytool README's example (rounded there to the KiB, so within ±512 bytes)",
    canGrowBytes: null,
    wordSize: 4,
  },
  {
    name: 'pico-w',
    title: 'Raspberry Pi Pico W (RP2040 with CYW43 wireless)',
    poolBytes: 205568,
    uncertaintyBytes: null,
    source:
      '`GC: total: 205568` printed after a soft reset by an RP2040 board whose firmware has the network and ' +
      'bluetooth modules (the Pico W build), v1.22 or later (Josverl/micropython-magic, samples/mem_info_1.ipynb)',
    canGrowBytes: null,
    wordSize: 4,
  },
  {
    name: 'esp8266',
    title: 'ESP8266 (80 KiB user RAM)',
    poolBytes: 37952,
    uncertaintyBytes: null,
    source:
      '`GC: total: 37952` printed by an ESP8266 on MicroPython v1.12 (micropython/micropython issue #6086)',
    canGrowBytes: null,
    wordSize: 4,
  },
  {
    name: 'esp32',
    title: 'ESP32 (no PSRAM; the heap grows in areas from the IDF heap)',
    poolBytes: 56000,
    uncertaintyBytes: null,
    source:
      '`GC: total: 56000, … max new split: 110592` printed after a soft reset by an ESP32 on v1.22 or later ' +
      '(Josverl/micropython-magic, samples/mem_info_1.ipynb); the same notebook shows a second area of 56,000 ' +
      'added when it filled',
    canGrowBytes: 110592,
    wordSize: 4,
  },
  {
    name: 'esp32-s3',
    title: 'ESP32-S3 (no PSRAM)',
    poolBytes: 165504,
    uncertaintyBytes: null,
    source:
      '`GC: total: 165504` printed by an ESP32-S3 module on MicroPython v1.20.0 (Josverl/micropython-magic, ' +
      'samples/mem_info_list.ipynb)',
    canGrowBytes: null,
    wordSize: 4,
  },
  {
    name: 'pyboard',
    title: 'pyboard v1.1 (STM32F405, 192 KiB RAM)',
    poolBytes: 103168,
    uncertaintyBytes: null,
    source:
      '`GC: total: 103168` printed by a pyboard (STM32F405) in 2022, v1.18 era (micropython/micropython ' +
      'issue #8675)',
    canGrowBytes: null,
    wordSize: 4,
  },
];

export function boardProfile(name: string): BoardProfile | null {
  return BOARD_PROFILES.find((b) => b.name === name.toLowerCase()) ?? null;
}
