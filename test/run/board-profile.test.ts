/**
 * `mpheap run --profile` on a board with stock firmware: the emulated micro:bit (MicroPython
 * 1.9.2, 10 KB heap) with probes between the script's statements. Each line's bytes are checked
 * against sizes known from gc.c and against the exact profile of the embedded engine where the
 * two firmware versions allocate alike; collections in an interval are left out and counted
 * (the canary sees one that freed less than the statement allocated); the probe itself takes no
 * heap; a MemoryError keeps the profile and the script's line numbers; the CLI shows it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/decode/index.js';
import { TcpTransport } from '../../src/device/node/tcp-transport.js';
import { SerialEngine } from '../../src/device/serial-engine.js';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import {
  HEADER,
  HEADER_INTS,
  MEASURE_CODE,
  parseTable,
  SLOT_WIDTH,
  setupCode,
} from '../../src/run/board-profile/probe-code.js';
import { BoardProbes } from '../../src/run/board-profile/profiler.js';
import { type RunResult, runScript } from '../../src/run/session.js';
import type { HeapProfile } from '../../src/snapshot/profile.js';
import { runCli } from '../support/cli.js';
import { microbitForTests } from '../support/microbit.js';

const emu = microbitForTests('mpheap-board-profile-');

function boardEngine(): SerialEngine {
  // Gentler pacing than the default: the emulated board drops input when the host is loaded.
  return new SerialEngine(new TcpTransport('127.0.0.1', emu.board.tcpPort), {
    kind: 'microbit',
    softReset: true,
    pacing: { chunkBytes: 16, gapMs: 4 },
  });
}

/** Errors these scripts never raise themselves: bytes lost on the way to the board. */
const LOST_BYTES = /SyntaxError|NameError|IndentationError/;

/** An exec of the test's own code, sent again if bytes were lost on the way. */
async function execOn(engine: SerialEngine, code: string) {
  for (let attempt = 1; ; attempt++) {
    const r = await engine.exec(code, { timeoutMs: 30_000 });
    if (attempt === 3 || !r.error || !LOST_BYTES.test(r.error.type)) return r;
  }
}

/** The script on the emulated micro:bit with --profile (sent again if bytes were lost on the way). */
async function onBoard(source: string): Promise<{ r: RunResult; p: HeapProfile }> {
  for (let attempt = 1; ; attempt++) {
    const engine = boardEngine();
    try {
      await engine.load();
      const r = await runScript(engine, source, { scriptName: 'app.py', profile: {}, timeoutMs: 60_000 });
      const lost = (r.error !== null && LOST_BYTES.test(r.error.type)) || !r.profile;
      if (lost && attempt < 3) continue;
      if (!r.profile) throw new Error(`no profile (exit ${r.exit}, ${r.error?.type ?? 'no error'})`);
      return { r, p: r.profile };
    } finally {
      await engine.close();
    }
  }
}

/** The exact profile of the same script on the embedded engine. */
async function exact(source: string): Promise<HeapProfile> {
  const e = new WasmEngine({ collector: 'board-only', profile: true });
  try {
    await e.load();
    const r = await runScript(e, source, { scriptName: 'app.py', profile: {} });
    if (!r.profile) throw new Error('no exact profile');
    return r.profile;
  } finally {
    await e.close();
  }
}

const bytesOf = (p: HeapProfile, line: number) => p.lines.find((l) => l.line === line)?.bytes ?? 0;
const probedLine = (p: HeapProfile, line: number) => {
  const l = p.board?.lines.find((x) => x.line === line);
  if (!l) throw new Error(`line ${line} has no probe`);
  return l;
};

describe('a board profile by probes', () => {
  it('takes no heap per probe: no allocation at all, even one that is freed again', async () => {
    const engine = boardEngine();
    try {
      await engine.load();
      await BoardProbes.prepare(engine, 'x = 1\n', { scriptName: 'app.py', units: ['x = 1\n'] });
      // With gc.threshold() at one block, any allocation first collects, which frees the garbage
      // made before: gc.mem_alloc() would go down. A function with a frame over 11 words (put on
      // the heap and freed on return) shows that it does.
      const detector = (call: string) =>
        [
          'def _t():',
          "    gc = __import__('gc')",
          '    g = [bytearray(16) for k in range(20)]',
          '    g = None',
          `    ${call}`,
          '    a0 = gc.mem_alloc()',
          '    gc.threshold(16)',
          '    for k in range(50):',
          `        ${call}`,
          '    gc.threshold(-1)',
          "    print('dropped', a0 - gc.mem_alloc())",
          '_t()',
          'del _t',
          '',
        ].join('\n');
      const probe = await execOn(engine, detector('_mph(1)'));
      expect(probe.error).toBeNull();
      expect(probe.output.trim()).toBe('dropped 0');
      const big = await execOn(
        engine,
        `def _big(a=1, b=2, c=3, d=4):\n    e = f = g = h = i = j = 0\n    return a\n${detector('_big()')}`,
      );
      expect(Number(/dropped (\d+)/.exec(big.output)?.[1])).toBeGreaterThan(0);
      const table = await execOn(engine, '_mph(-1)\ndel _mph\n');
      // The canary found its allocation table on this firmware.
      expect(table.output).toMatch(/#mpheap-probe table array\('i', \[/);
    } finally {
      await engine.close();
    }
  });

  it('without a canary, tells a collection by gc.mem_alloc() going down', async () => {
    const engine = boardEngine();
    try {
      await engine.load();
      const heap = decodeText((await execOn(engine, MEASURE_CODE)).output, 'board', { blockSize: 16 })
        .snapshots[0];
      const pool = Number.parseInt(heap.areas[0].base, 16);
      const setup = setupCode({
        slots: 4,
        atbStart: 0,
        poolStart: pool,
        poolBytes: heap.areas[0].map.length * 16,
        blockSize: 16,
        wordSize: 4,
      });
      expect((await execOn(engine, setup)).error).toBeNull();
      const r = await execOn(
        engine,
        [
          'def _f():',
          "    gc = __import__('gc')",
          '    junk = [bytearray(50) for k in range(10)]',
          '    junk = None',
          '    _mph(1)',
          '    x = bytearray(100)',
          '    _mph(2)',
          '    gc.collect()',
          '    _mph(3)',
          '_f()',
          '_mph(-1)',
          'del _mph',
          '',
        ].join('\n'),
      );
      const t = parseTable(r.output);
      if (!t) throw new Error(`no table in ${r.output}`);
      const slot = (k: number) =>
        Array.from(t.slice(HEADER_INTS + SLOT_WIDTH * k, HEADER_INTS + SLOT_WIDTH * (k + 1)));
      expect(t[HEADER.canaryState]).toBe(0);
      expect(slot(1)).toEqual([128, 1, 1, 0]);
      expect(slot(2)).toEqual([0, 0, 0, 1]);
    } finally {
      await engine.close();
    }
  });

  it("gives each line's bytes as gc.c sizes them, as the exact profile does where 1.9.2 allocates alike", async () => {
    // Line 4, `a = bytearray(100)`: object 16 + data 112 = 128 B.
    const work = readFileSync(new URL('./fixtures/work.py', import.meta.url), 'utf8');
    const [{ p }, e] = [await onBoard(work), await exact(work)];
    expect(p.exact).toBe(false);
    expect(p.board?.collectionsSeenBy).toBe('canary');
    expect(p.board?.leftOut).toBe(0);
    expect(bytesOf(p, 4)).toBe(4 * 128);
    for (const line of [4, 5, 6, 7, 8, 9, 10]) {
      expect(bytesOf(p, line), `line ${line}`).toBe(bytesOf(e, line));
      expect(probedLine(p, line)).toEqual({ line, runs: 4, allocatingRuns: 4, leftOut: 0 });
    }
    expect(p.lines.find((l) => l.line === 4)).toMatchObject({
      function: 'work',
      allocations: null,
      aliveAtEnd: null,
      text: 'a = bytearray(100)',
    });
    expect(p.functions.find((f) => f.function === 'work')?.bytes).toBe(
      [4, 5, 6, 7, 8, 9, 10, 11, 12].reduce((n, l) => n + bytesOf(p, l), 0),
    );
    // mpheap's own heap, measured on the board, apart from the lines.
    const f = p.board?.footprint;
    expect(f?.probeBytes).toBeGreaterThan(0);
    expect(f?.codeBytes).toBeGreaterThan(0);
    expect(p.other).toEqual([expect.objectContaining({ owner: 'mpheap', allocations: null })]);
  });

  it('follows functions and a while loop: the test of each pass is the while line’s', async () => {
    const src = [
      'def fill(n):', //                       1
      '    out = []', //                       2
      '    i = 0', //                          3
      '    while i < n:', //                   4
      '        out.append(bytearray(8))', //   5
      '        i += 1', //                     6
      '    return out', //                     7
      '', //                                   8
      'def main():', //                        9
      '    data = fill(10)', //               10
      '    total = 0', //                     11
      '    for b in data:', //                12
      '        total += len(b)', //           13
      '    print(total)', //                  14
      '', //                                  15
      'main()', //                            16
    ].join('\n');
    const [{ r, p }, e] = [await onBoard(src), await exact(src)];
    expect(r.output.replace(/\r/g, '')).toBe('80\n');
    // Ten bytearray(8) (object and data, 32 B each) and the list growing to hold them.
    expect(bytesOf(p, 5)).toBe(bytesOf(e, 5));
    expect(probedLine(p, 4)).toMatchObject({ runs: 11, leftOut: 0 });
    expect(probedLine(p, 5)).toMatchObject({ runs: 10, allocatingRuns: 10 });
    expect(probedLine(p, 13)).toMatchObject({ runs: 10, allocatingRuns: 0 });
    expect(p.functions.map((f) => f.function)).toContain('fill');
    const fill = p.functions.find((f) => f.function === 'fill');
    expect(fill).toMatchObject({ line: 1, totalBytes: null });
    expect(fill?.bytes).toBe([2, 3, 4, 5, 6, 7].reduce((n, l) => n + bytesOf(p, l), 0));
  });

  it('leaves out the intervals a collection fell in, counted, and keeps the others exact', async () => {
    const src = [
      'import gc', //                                   1
      '', //                                            2
      'def churn():', //                                3
      '    for i in range(100):', //                    4
      '        s = bytearray(200)', //                  5: 16 + 208 = 224 B, garbage at once
      '', //                                            6
      'churn()', //                                     7
      'gc.collect()', //                                8
      'keep = []', //                                   9
      'while gc.mem_free() > 2000:', //                10
      '    keep.append(bytearray(100))', //            11
      'junk = bytearray(600)', //                      12
      'junk = None', //                                13
      // More than is free, less than free once junk is collected: a collection that frees less
      // than the statement takes, so gc.mem_alloc() goes up across it: only the canary sees it.
      'more = [bytearray(16) for k in range(40)]', //  14
      'print(len(more))', //                           15
    ].join('\n');
    const { r, p } = await onBoard(src);
    expect(r.output.replace(/\r/g, '')).toBe('40\n');
    const s = probedLine(p, 5);
    expect(s.leftOut).toBeGreaterThan(0);
    expect(s.runs + s.leftOut).toBe(100);
    expect(bytesOf(p, 5)).toBe(224 * s.runs);
    expect(probedLine(p, 8)).toEqual({ line: 8, runs: 0, allocatingRuns: 0, leftOut: 1 });
    expect(probedLine(p, 14)).toEqual({ line: 14, runs: 0, allocatingRuns: 0, leftOut: 1 });
    expect(p.lines.map((l) => l.line)).not.toContain(14);
    const leftOut = p.board?.lines.reduce((n, l) => n + l.leftOut, 0) ?? -1;
    expect(p.board?.leftOut).toBe(leftOut);
    expect(p.collections).toBe(leftOut);
    expect(p.precision).toContain(`left out: ${leftOut} of ${p.board?.intervals} (seen by a canary block)`);
  });

  it('keeps the profile and the script’s line numbers at a MemoryError that fills the heap', async () => {
    const src = [
      'def grow():', //                      1: its probe on a line inserted above
      '    while True:', //                  2
      '        keep.append(bytearray(200))', // 3
      'keep = []', //                        4
      'grow()', //                           5
    ].join('\n');
    const { r, p } = await onBoard(src);
    expect(r.error).toMatchObject({ type: 'MemoryError', line: 3 });
    expect(r.error?.traceback).toMatch(/line 5, in <module>[\s\S]*line 3, in grow/);
    expect(p.board?.insertedLines).toBe(1);
    expect(bytesOf(p, 3)).toBeGreaterThan(4000);
    expect(probedLine(p, 3).runs).toBeGreaterThan(10);
  });
});

describe('a board profile when the script is stopped', () => {
  it('gives what ran up to the watchdog: the probe prints its table as the script ends, however', async () => {
    const engine = boardEngine();
    try {
      await engine.load();
      const r = await runScript(engine, 'n = 0\nwhile True:\n    n += 1\n', {
        scriptName: 'app.py',
        profile: {},
        timeoutMs: 8000,
      });
      expect(r.exit).toBe('timeout');
      expect(r.profile?.exact).toBe(false);
      expect(probedLine(r.profile as HeapProfile, 3).runs).toBeGreaterThan(100);
      expect(r.profileProblem).toBeNull();
    } finally {
      await engine.close();
    }
  });
});

describe('mpheap run --port --profile', () => {
  it('prints the table with its precision, and --json says the profile is not exact', async () => {
    const path = join(emu.dir, 'app.py');
    const src = [
      'def make():',
      '    return bytearray(100)',
      '',
      'def main():',
      '    x = make()',
      '    y = make()',
      'main()',
    ];
    writeFileSync(path, `${src.join('\n')}\n`);
    // Run again if bytes were lost on the way (the emulated board drops input on a loaded host).
    const cli = async (...extra: string[]) => {
      let r = await runCli('run', path, '--port', emu.board.portName, '--profile', '--no-record', ...extra);
      for (let attempt = 2; attempt <= 3 && r.code !== 0; attempt++)
        r = await runCli('run', path, '--port', emu.board.portName, '--profile', '--no-record', ...extra);
      return r;
    };
    const text = await cli();
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Heap by source line (board estimate from probes between statements');
    expect(text.stdout).toMatch(/left out: 0 of \d+ \(seen by a canary block\)\)/);
    expect(text.stdout).toMatch(/line {2}function {10}bytes {4}runs {2}left out {2}code/);
    expect(text.stdout).toMatch(/\n +2 +make +256 +2 +0 +return bytearray\(100\)\n/);
    expect(text.stdout).toMatch(
      /mpheap's own \(measured on the board, not in the lines\): the probe and its table [\d,]+ B/,
    );

    const json = await cli('--json');
    const j = JSON.parse(json.stdout);
    expect(j.profile.exact).toBe(false);
    expect(j.profile.precision).toContain('board estimate');
    const line = j.profile.lines.find((l: { line: number }) => l.line === 2);
    expect(line).toEqual({
      file: path,
      line: 2,
      function: 'make',
      allocations: null,
      bytes: 256,
      aliveAtEnd: null,
      aliveBytesAtEnd: null,
      aliveAtPeak: null,
      text: 'return bytearray(100)',
    });
    expect(j.profile.board).toMatchObject({ collectionsSeenBy: 'canary', leftOut: 0 });
    expect(j.profile.stacks).toEqual([]);
  });
});
