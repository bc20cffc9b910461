/**
 * The board-faithful build (src/engines/wasm/board-gc): how it is found in the official build,
 * made once and cached, refused or fallen back from when it cannot be made, and what it
 * reports: collections, failed allocations, and heap maps read from memory that match
 * `mem_info(1)` block for block.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import binaryen from 'binaryen';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decode/index.js';
import type { HeapEvent } from '../../src/engines/engine.js';
import { boardGcBuild, VERIFIED_BUILDS } from '../../src/engines/wasm/board-gc/cache.js';
import { locateGc, PatternMissing } from '../../src/engines/wasm/board-gc/locate.js';
import { WatText } from '../../src/engines/wasm/board-gc/wat-text.js';
import { BoardBuildError, WasmEngine } from '../../src/engines/wasm/wasm-engine.js';

const OFFICIAL = createRequire(import.meta.url).resolve(
  '@micropython/micropython-webassembly-pyscript/micropython.wasm',
);
const officialText = () => binaryen.readBinary(readFileSync(OFFICIAL)).emitText();

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mpheap-board-gc-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let engine: WasmEngine | null = null;
afterEach(async () => {
  await engine?.close();
  engine = null;
});
async function start(opts: ConstructorParameters<typeof WasmEngine>[0]): Promise<WasmEngine> {
  engine = new WasmEngine(opts);
  await engine.load();
  return engine;
}

/** The official build with one edit made to its text, written as a binary. */
function variant(name: string, edit: (text: string) => string): string {
  const text = officialText();
  const changed = edit(text);
  expect(changed).not.toBe(text);
  const m = binaryen.parseText(changed);
  m.setFeatures(binaryen.readBinary(readFileSync(OFFICIAL)).getFeatures());
  // Keep the features section, as the official build has one.
  m.runPasses(['emit-target-features']);
  const path = join(tmp, `${name}.wasm`);
  writeFileSync(path, m.emitBinary());
  return path;
}

describe('finding gc.c in the official 1.27.0 build', () => {
  it('is the build mpheap verified', () => {
    const sha = require_sha256(readFileSync(OFFICIAL));
    expect(VERIFIED_BUILDS[sha]).toBe('1.27.0');
  });

  it('names each function once and reads the heap state where it is', () => {
    const at = locateGc(new WatText(officialText()));
    const names = [at.gcCollect, at.gcCollectStart, at.gcCollectEnd, at.gcAlloc, at.gcFree, at.gcRealloc];
    expect(new Set(names).size).toBe(names.length);
    expect(at.stackPointer).toBe('$global$0');
    // mp_state_mem_area_t: next, alloc table, …, pool start, pool end.
    expect(at.area).toEqual({ next: 0, allocTable: 4, poolStart: 16, poolEnd: 20 });
    expect(at.areaList).toBeGreaterThan(65536); // above the C stack, in the data section
  });

  it('says which part it could not find in a build that differs', () => {
    const text = officialText().replace('(i32.const 134217728)', '(i32.const 134217729)');
    expect(() => locateGc(new WatText(text))).toThrow(PatternMissing);
    expect(() => locateGc(new WatText(text))).toThrow(/gc_get_max_new_split/);
  });
});

describe('the cache', () => {
  it('uses a whole entry and rebuilds one whose bytes changed', async () => {
    // The suite's global setup made the entry in the default cache: copy it.
    const made = await boardGcBuild(OFFICIAL);
    expect(made.verified).toBe(true);
    const dir = join(tmp, 'cache');
    mkdirSync(dir);
    for (const ext of ['.wasm', '.json']) {
      const from = made.wasmPath.replace(/\.wasm$/, ext);
      copyFileSync(from, join(dir, basename(from)));
    }
    const cached = await boardGcBuild(OFFICIAL, { cacheDir: dir });
    expect(cached.built).toBe(false);
    const bytes = readFileSync(cached.wasmPath);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(cached.wasmPath, bytes);
    const rebuilt = await boardGcBuild(OFFICIAL, { cacheDir: dir });
    expect(rebuilt.built).toBe(true);
    expect(readFileSync(rebuilt.wasmPath)).toEqual(readFileSync(made.wasmPath));
  }, 120_000);
});

describe('when the build cannot be made', () => {
  it('falls back to the official build and says so, or refuses when the board build was asked for', async () => {
    const broken = variant('no-max-new-split', (t) =>
      t.replace('(i32.const 134217728)', '(i32.const 134217729)'),
    );
    const e = await start({ boardGcInput: broken, cacheDir: join(tmp, 'cache-broken') });
    expect(e.info.collectsMidLoop).toBe(false);
    expect(e.info.heapEvents).toBe(false);
    expect(e.info.warnings?.[0]).toMatch(
      /cannot make @micropython\/micropython-webassembly-pyscript 1\.27\.0 collect like a board: gc_get_max_new_split/,
    );
    expect(e.info.description).toContain('collects between top-level statements only');
    expect((await e.exec('print(1 + 1)')).output).toBe('2\n');
    await e.close();
    const strict = new WasmEngine({
      boardGcInput: broken,
      collector: 'board-only',
      cacheDir: join(tmp, 'cache-broken'),
    });
    await expect(strict.load()).rejects.toThrow(BoardBuildError);
    await strict.close();
  }, 120_000);

  it('transforms a build it has not verified, with a warning', async () => {
    // The same code with one more (harmless) global: another SHA-256, the same shapes.
    const other = variant('unverified', (t) =>
      t.replace('\n (global ', '\n (global $extra (mut i32) (i32.const 7))\n (global '),
    );
    const e = await start({
      boardGcInput: other,
      cacheDir: join(tmp, 'cache-other'),
      fixed: true,
      heapSize: 16 * 1024,
    });
    expect(e.info.collectsMidLoop).toBe(true);
    expect(e.info.warnings?.[0]).toMatch(/not a build mpheap has verified/);
  }, 120_000);
});

describe('the board-faithful engine', () => {
  const SENSOR_LOOP = [
    'import json',
    'def main():',
    '    n = 0',
    '    for i in range(3000):',
    "        d = {'t': i, 'v': i * 1.5, 'name': 'sensor%d' % i}",
    '        n += len(json.dumps(d))',
    '    return n',
    'print(main())',
  ].join('\n');

  it('runs a loop that makes garbage inside a function in a small fixed heap, collecting as it goes', async () => {
    const e = await start({ fixed: true, heapSize: 16 * 1024 });
    expect(e.info).toMatchObject({ collectsMidLoop: true, heapEvents: true, fixedHeap: true });
    const events: HeapEvent[] = [];
    const r = await e.exec(SENSOR_LOOP, { onHeapEvent: (x) => events.push(x) });
    expect(r.error).toBeNull();
    expect(r.output).toBe('135039\n');
    const collections = events.filter((x) => x.type === 'collect');
    expect(collections.length).toBeGreaterThan(10);
    for (const c of collections) {
      // The sawtooth: full before, most of it garbage.
      expect(c.before.total).toBe(16000);
      expect(c.after.used).toBeLessThan(c.before.used);
    }
  });

  it('frees what gc.collect() inside a function can free', async () => {
    const e = await start({ fixed: true, heapSize: 64 * 1024 });
    const r = await e.exec(
      [
        'import gc',
        'def f():',
        '    pts = [[i, i * 2] for i in range(300)]',
        '    before = gc.mem_alloc()',
        '    del pts',
        '    gc.collect()',
        '    print(before - gc.mem_alloc() > 9000, gc.mem_free() < 64 * 1024)',
        'f()',
      ].join('\n'),
    );
    // And gc.mem_free() does not count 128 MiB the fixed heap cannot grow by.
    expect(r.output).toBe('True True\n');
  });

  it('reports an allocation that found no room even after collecting, with the map at that moment', async () => {
    const e = await start({ fixed: true, heapSize: 16 * 1024 });
    const events: HeapEvent[] = [];
    const r = await e.exec(
      'keep = [bytearray(48) for i in range(40)]\ntry:\n    x = bytearray(20000)\nexcept MemoryError as err:\n    print(err)',
      { onHeapEvent: (x) => events.push(x) },
    );
    expect(r.output).toBe('memory allocation failed, allocating 20000 bytes\n');
    const failed = events.filter((x) => x.type === 'alloc_failed');
    expect(failed).toHaveLength(1);
    const f = failed[0] as Extract<HeapEvent, { type: 'alloc_failed' }>;
    expect(f.requested).toBe(20000);
    const map = Buffer.from(f.areas[0].map).toString('latin1');
    expect(map.length).toBe(1000);
    // 40 bytearrays of 48 bytes: a 1-block object and 3 data blocks each.
    expect(map.match(/A/g)?.length ?? 0).toBeGreaterThanOrEqual(40);
    expect(f.heap.used + f.heap.free).toBe(16000);
  });

  it('reads the same map from memory as mem_info(1) prints, block for block', async () => {
    // A fixed heap, and one that grew a second area.
    for (const [fixed, heapSize, areas] of [
      [true, 48 * 1024, 1],
      [false, 16 * 1024, 2],
    ] as const) {
      const e = await start({ fixed, heapSize });
      // A module imported from a file is a module object on the heap ('M').
      await e.provideModule('records_mod', 'TABLE = [1, 2, 3]\n');
      await e.exec(
        [
          'import micropython',
          'keep = {}',
          'for i in range(120):',
          "    keep[i] = (i, [i] * (i % 5), 'k%d' % i, bytearray(i % 40), i * 0.5)",
          '    if i % 3 == 0:',
          '        del keep[i // 2]',
          'def f(): return 1',
          'import records_mod',
        ].join('\n'),
      );
      const printed = await e.exec('micropython.mem_info(1)');
      expect(printed.error).toBeNull();
      const read = await e.readHeap();
      const decoded = decodeText(printed.output, 'wasm').snapshots;
      expect(decoded).toHaveLength(1);
      expect(read).toHaveLength(areas);
      const maps = decoded[0].areas.map((a) => Buffer.from(a.map).toString('latin1'));
      expect(read.map((a) => Buffer.from(a.map).toString('latin1'))).toEqual(maps);
      expect(read.map((a) => a.base)).toEqual(decoded[0].areas.map((a) => a.base));
      // Every type letter gc_dump_alloc_table() prints appears, so each was matched by address.
      for (const letter of 'TLDSAFBMh') expect(maps.join('')).toContain(letter);
      await e.close();
      engine = null;
    }
  });
});

function require_sha256(data: Uint8Array): string {
  return createRequire(import.meta.url)('node:crypto')
    .createHash('sha256')
    .update(data)
    .digest('hex');
}
