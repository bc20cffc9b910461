import { describe, expect, it } from 'vitest';
import { gcTotalFor, heapLayout } from '../../src/heap/layout.js';

describe('gc_init arithmetic', () => {
  it('matches the figures the spec verified on real builds', () => {
    // Unix 64-bit port, 2 MiB heap: A = 16194, GC total 2072832.
    const unix = heapLayout(0, 2 * 1024 * 1024, { wordSize: 8 });
    expect(unix.atbBytes).toBe(16194);
    expect(unix.poolBytes).toBe(2072832);
    // esp8266: a static 38 KiB array, only word aligned, gives GC total 37952: gc_init rounds the
    // end down to a block, which costs the region a few bytes and the pool one ATB byte.
    expect(heapLayout(8, 8 + 38 * 1024, { wordSize: 4 }).poolBytes).toBe(37952);
    expect(gcTotalFor(38 * 1024, { wordSize: 4 })).toBe(38016);
  });

  it('reproduces the PYBV11 worked example (heap from 0x20003000 to _sstack)', () => {
    // _estack = 0x20020000 - 8, _sstack = _estack - 16K = 0x2001BFF8; gc_init rounds the end down.
    const l = heapLayout(0x2000_3000, 0x2001_bff8, { wordSize: 4 });
    expect(l.end).toBe(0x2001_bff0);
    expect(l.regionBytes).toBe(102384);
    expect(l.atbBytes).toBe(1563);
    expect(l.poolBytes).toBe(100032);
  });

  it('places tables, gap byte and a pool flush with the end', () => {
    const l = heapLayout(0, 656, { wordSize: 4 });
    expect([l.atbBytes, l.gapBytes, l.ftbOffset, l.ftbBytes, l.poolOffset, l.blocks]).toEqual([
      10, 1, 11, 5, 16, 40,
    ]);
    expect(l.paddingBytes).toBe(0);
    const w8 = heapLayout(0, 5440, { wordSize: 8 });
    expect([w8.atbBytes, w8.blocks, w8.poolOffset, w8.paddingBytes]).toEqual([42, 168, 64, 0]);
  });

  it('drops the gap byte for releases before v1.20 and adds a WTB for weakref builds', () => {
    // 2096 bytes: 2096*8/524 = 32 exactly without the gap byte, (2095*8)/524 = 31.98 with it.
    expect(heapLayout(0, 2096, { wordSize: 4 }).atbBytes).toBe(31);
    expect(heapLayout(0, 2096, { wordSize: 4, gapByte: false }).atbBytes).toBe(32);
    expect(heapLayout(0, 4096, { wordSize: 4, weakref: true }).atbBytes).toBe(Math.floor((4095 * 8) / 528));
  });

  it('reports an empty pool for a region too small for one table byte', () => {
    expect(heapLayout(0, 16, { wordSize: 4 }).blocks).toBe(0);
    expect(heapLayout(0, 0, { wordSize: 4 }).poolBytes).toBe(0);
  });
});
