/** Every dump format of spec §3, round-tripped: printed by the model's formatter, decoded back. */
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decode/index.js';
import { gcInfoOfMaps } from '../../src/heap/block-map.js';
import { PROFILE_LEGACY, PROFILE_MODERN } from '../../src/heap/mem-info-format.js';
import { memInfoText, randomMap } from './fixtures.js';

const ascii = (m: Uint8Array) => Buffer.from(m).toString('latin1');

describe('dump formats', () => {
  const cases = [
    { name: 'v1.20+ 32-bit, one area', blockSize: 16, profile: PROFILE_MODERN, sizes: [2000] },
    { name: 'v1.20+ 64-bit (32-byte blocks)', blockSize: 32, profile: PROFILE_MODERN, sizes: [4000] },
    {
      name: 'v1.20+ split heap, three areas',
      blockSize: 16,
      profile: PROFILE_MODERN,
      sizes: [1000, 640, 3000],
    },
    { name: 'v1.20+ 64-bit split heap', blockSize: 32, profile: PROFILE_MODERN, sizes: [700, 5000] },
    { name: 'v1.9-v1.19 %05x, 32-bit', blockSize: 16, profile: PROFILE_LEGACY, sizes: [6000] },
    { name: 'v1.9-v1.19 %05x, 64-bit', blockSize: 32, profile: PROFILE_LEGACY, sizes: [6000] },
    { name: '%05x past 1 MiB (offsets wrap)', blockSize: 16, profile: PROFILE_LEGACY, sizes: [150_000] },
    { name: '%05x 64-bit past 1 MiB', blockSize: 32, profile: PROFILE_LEGACY, sizes: [90_000] },
    { name: '16-bit port (8-byte blocks)', blockSize: 8, profile: PROFILE_LEGACY, sizes: [1500] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      for (let seed = 1; seed <= 4; seed++) {
        const areas = c.sizes.map((n, i) => ({
          baseText: (0x3ffb0000 + i * 0x100000).toString(16),
          map: randomMap(n, seed * 10 + i),
        }));
        const text = memInfoText(areas, { blockSize: c.blockSize, profile: c.profile });
        const { snapshots, warnings } = decodeText(text, 'fixture');
        expect(warnings).toEqual([]);
        expect(snapshots).toHaveLength(1);
        const s = snapshots[0];
        expect(s.complete).toBe(true);
        expect(s.blockSize).toBe(c.blockSize);
        expect(s.warnings).toEqual([]);
        expect(s.areas.map((a) => ascii(a.map))).toEqual(areas.map((a) => ascii(a.map)));
        expect(s.areas.map((a) => a.base)).toEqual(areas.map((a) => a.baseText));
        expect(s.areas[0].offsetDigits).toBe(c.profile.offsetDigits);
      }
    });
  }

  it('reads mem: lines, stack without a limit, max new split and \\r\\n', () => {
    const areas = [{ baseText: '2fb80', map: randomMap(1000, 7) }];
    const text = memInfoText(areas, {
      blockSize: 16,
      mem: true,
      stackLimit: null,
      maxNewSplit: 134217728,
      newline: '\r\n',
    });
    const [s] = decodeText(text, 'f').snapshots;
    const info = gcInfoOfMaps([areas[0].map], 16);
    expect(s.mem).toEqual({ total: info.used * 3, current: info.used, peak: info.used * 2 });
    expect(s.stack).toEqual({ used: 2080, limit: null });
    expect(s.gc).toEqual({ total: info.total, used: info.used, free: info.free, maxNewSplit: 134217728 });
    expect(s.blocks).toEqual({
      one: info.oneBlocks,
      two: info.twoBlocks,
      maxBlock: info.maxBlock,
      maxFree: info.maxFree,
    });
    expect(s.complete).toBe(true);
  });

  it('reads an area that starts and ends with abbreviated free lines', () => {
    const map = new Uint8Array(64 * 10).fill(0x2e);
    map[64 * 4] = 0x4c; // 'L' in the 5th line
    const text = memInfoText([{ baseText: '20000000', map }], { blockSize: 16 });
    expect(text).toContain('(4 lines all free)');
    expect(text).toContain('(5 lines all free)');
    const [s] = decodeText(text, 'f').snapshots;
    expect(ascii(s.areas[0].map)).toBe(ascii(map));
    expect(s.complete).toBe(true);
  });

  it('infers the block size from GC total when the map is one row', () => {
    const map = randomMap(40, 3);
    const text = memInfoText([{ baseText: '1000', map }], { blockSize: 32 });
    const [s] = decodeText(text, 'f').snapshots;
    expect(s.blockSize).toBe(32);
    expect(ascii(s.areas[0].map)).toBe(ascii(map));
  });

  it('reads CircuitPython output (same lines, v1.19 dump, split heap from 9.0)', () => {
    // CircuitPython 8.x prints MicroPython <=1.19's format; 9.x adds max new split.
    const text =
      'Adafruit CircuitPython 8.2.10 on 2024-02-14; Raspberry Pi Pico with rp2040\r\n' +
      '>>> import micropython; micropython.mem_info(1)\r\n' +
      memInfoText([{ baseText: '20011a40', map: randomMap(3000, 9) }], {
        blockSize: 16,
        profile: PROFILE_LEGACY,
        stackLimit: 7680,
        newline: '\r\n',
      }) +
      '>>> ';
    const r = decodeText(text, 'f');
    expect(r.snapshots).toHaveLength(1);
    expect(r.snapshots[0].complete).toBe(true);
    expect(r.snapshots[0].stack).toEqual({ used: 432, limit: 7680 });
    expect(r.output).toBe(
      'Adafruit CircuitPython 8.2.10 on 2024-02-14; Raspberry Pi Pico with rp2040\r\n' +
        '>>> import micropython; micropython.mem_info(1)\r\n>>> ',
    );
  });

  it('reads the pre-1.8.1 tail character t as =', () => {
    const text =
      'stack: 100\nGC: total: 2048, used: 64, free: 1984\n No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 4, max free sz: 124\n' +
      'GC memory layout; from 1000:\n00000: Lttt............................................................\n' +
      '00400: ................................................................\n';
    const [s] = decodeText(text, 'f').snapshots;
    expect(ascii(s.areas[0].map).slice(0, 5)).toBe('L===.');
    expect(s.complete).toBe(true);
    expect(s.warnings).toEqual([]);
  });
});
