/**
 * The shims' index: which shims a script imports, their sources, the sim input's checks.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkSimInput,
  parseSimInput,
  SHIM_MODULES,
  SimInputError,
  shimImportCode,
  shimSource,
  shimStartCode,
  shimsFor,
  simInputCode,
  withoutStringsAndComments,
} from '../../../src/engines/shims/index.js';

const names = (src: string) => shimsFor(src).map((m) => m.name);

describe('shimsFor', () => {
  it('finds import and from-import statements of every provided name, with requirements first', () => {
    expect(names('import utime\n')).toEqual(['time']);
    expect(names('from time import sleep_ms\n')).toEqual(['time']);
    expect(names('import uasyncio as asyncio')).toEqual(['time', 'asyncio']);
    expect(names('from machine import Pin\nimport network, json')).toEqual(['time', 'machine', 'network']);
    expect(names('import os, sys as s, umachine as m')).toEqual(['time', 'machine']);
    expect(names('import neopixel')).toEqual(['time', 'machine', 'neopixel']);
    expect(names('import esp, esp32, rp2, dht, onewire, ds18x20')).toEqual([
      'time',
      'esp',
      'esp32',
      'rp2',
      'dht',
      'onewire',
      'ds18x20',
    ]);
    expect(names('import json\nprint(1)')).toEqual([]);
  });

  it('finds imports inside functions, after semicolons and colons, across continuations, via __import__', () => {
    expect(names('def main():\n    import network\n')).toEqual(['time', 'network']);
    expect(names('x = 1; import time')).toEqual(['time']);
    expect(names('try: import uasyncio\nexcept ImportError: import asyncio')).toEqual(['time', 'asyncio']);
    expect(names('import json, \\\n    esp32')).toEqual(['esp32']);
    expect(names("m = __import__('network')")).toEqual(['time', 'network']);
    expect(names('from machine import (\n    Pin,\n    Timer,\n)')).toEqual(['time', 'machine']);
  });

  it('ignores imports in strings and comments', () => {
    expect(names('# import machine\nprint("import network")\ns = """\nfrom time import sleep\n"""')).toEqual(
      [],
    );
    expect(withoutStringsAndComments("a = 'x#y' # c\nb = '''q\nr'''\n")).toBe("a = '' \nb = '''\n'''\n");
  });

  it("brings machine's parts when the script names their classes, or star-imports machine", () => {
    expect(names('from machine import Pin, I2C')).toEqual(['time', 'machine', '_machine_bus']);
    expect(names('import machine\nadc = machine.ADC(0)\nwdt = machine.WDT()')).toEqual([
      'time',
      'machine',
      '_machine_adc',
      '_machine_rtc',
    ]);
    expect(names('from machine import *')).toEqual([
      'time',
      'machine',
      '_machine_adc',
      '_machine_bus',
      '_machine_rtc',
    ]);
    // Without machine a class name alone brings nothing.
    expect(names('UART = 1')).toEqual([]);
  });

  it('makes the import and start code in that order', () => {
    const shims = shimsFor('import asyncio');
    expect(shimImportCode(shims)).toBe('import time\nimport asyncio\nimport gc\ngc.collect()\n');
    expect(shimStartCode(shims)).toBe("__import__('time')._zero()\n");
    expect(shimStartCode(shimsFor('import esp'))).toBe('');
  });
});

describe('shim sources', () => {
  it('reads every module next to the index, and the build copies them into dist/', () => {
    for (const m of SHIM_MODULES) {
      expect(shimSource(m.name)).toContain('# mpheap board shim');
      expect(existsSync(new URL(`../../../dist/engines/shims/${m.name}.py`, import.meta.url))).toBe(true);
    }
    expect(() => shimSource('nope')).toThrow(/no board shim named "nope"/);
  });
});

describe('sim input', () => {
  it('accepts every part and normalizes I2C addresses and registers to decimal', () => {
    const input = parseSimInput(
      JSON.stringify({
        port: 'rp2',
        datetime: [2025, 1, 31, 23, 59, 0],
        reset_cause: 'deepsleep',
        pins: {
          '0': [
            [0, 1],
            [100, 0],
          ],
          LED: 1,
        },
        adc: { '26': [0, 65535] },
        i2c: { '0x76': { '0xD0': [0x60] } },
        spi: { '1': [1, 2] },
        uart: {
          '1': 'hi',
          '2': [
            [0, 'a'],
            [5, 'b'],
          ],
        },
        wlan: { connect_ms: 10, fail: null, scan: [['Net', -40, 6]] },
        dht: { temperature: 20.5, humidity: 40 },
        ds18x20: 18,
      }),
    );
    expect(input.i2c).toEqual({ '118': { '208': [96] } });
    expect(input.pins).toEqual({
      '0': [
        [0, 1],
        [100, 0],
      ],
      LED: 1,
    });
    expect(simInputCode(input)).toContain("open('/mpheap_sim_input.json', 'w')");
  });

  it('names the place and the fault of bad input', () => {
    const bad: [unknown, RegExp][] = [
      [
        {
          pins: {
            '5': [
              [0, 1],
              [10, 2],
            ],
          },
        },
        /^sim input: pins\.5\[1\]\[1\]: expected a level 0 or 1, not 2$/,
      ],
      [
        {
          pins: {
            '5': [
              [10, 1],
              [5, 0],
            ],
          },
        },
        /^sim input: pins\.5\[1\]\[0\]: time 5 goes back/,
      ],
      [{ adc: { '0': [70000] } }, /^sim input: adc\.0\[0\]: expected a number from 0 to 65535/],
      [{ i2c: { '0x99': {} } }, /^sim input: i2c\.0x99: expected a number from 0 to 127/],
      [{ datetime: [1999, 1, 1, 0, 0, 0] }, /not a date and time from 2000 on/],
      [{ wlan: { fail: 'maybe' } }, /wlan\.fail: expected one of wrong_password, no_ap, connect_fail/],
      [{ pin: {} }, /^sim input: pin: unknown key/],
      [[1, 2], /^sim input: expected an object$/],
      [{ uart: { '1': [[0, 5]] } }, /uart\.1\[0\]\[1\]: expected text/],
    ];
    for (const [input, message] of bad) {
      expect(() => checkSimInput(input)).toThrow(SimInputError);
      expect(() => checkSimInput(input)).toThrow(message);
    }
    expect(() => parseSimInput('{"pins": ')).toThrow(/^sim input: not JSON/);
    expect(() => parseSimInput(`{"spi": {"1": [${'1,'.repeat(40_000)}1]}}`)).toThrow(
      /larger than 65536 bytes/,
    );
  });
});
