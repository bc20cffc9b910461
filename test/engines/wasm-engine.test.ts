/**
 * The real MicroPython WebAssembly engine in its worker: output, errors with lines, the
 * watchdog, the fixed heap, the helper module.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';

let engine: WasmEngine | null = null;
afterEach(async () => {
  await engine?.close();
  engine = null;
});

async function start(opts: ConstructorParameters<typeof WasmEngine>[0] = {}): Promise<WasmEngine> {
  engine = new WasmEngine(opts);
  await engine.load();
  return engine;
}

/** `GC: total: N` from mem_info output. */
function gcTotal(output: string): number {
  const m = /GC: total: (\d+)/.exec(output);
  if (!m) throw new Error(`no GC line in ${JSON.stringify(output)}`);
  return Number(m[1]);
}

describe('WasmEngine', () => {
  it('describes itself and runs code, streaming its output', async () => {
    const e = await start({ heapSize: 32 * 1024 });
    expect(e.info).toMatchObject({ kind: 'wasm', version: '1.27.0', wordSize: 4, heapSize: 32768 });
    // The board-faithful build by default (test/engines/board-gc.test.ts).
    expect(e.info.collectsMidLoop).toBe(true);
    const chunks: string[] = [];
    const r = await e.exec('for i in range(3):\n    print("line", i)', { onOutput: (t) => chunks.push(t) });
    expect(r).toEqual({ output: 'line 0\nline 1\nline 2\n', error: null, timedOut: false });
    expect(chunks.join('')).toBe(r.output);
    // Globals persist between exec calls, as between top-level statements.
    await e.exec('x = 41');
    expect((await e.exec('print(x + 1)')).output).toBe('42\n');
  });

  it('reports an exception with its type, message and the line in the named file', async () => {
    const e = await start();
    const r = await e.exec('def f():\n    raise ValueError("bad value")\n\nf()', { filename: 'app.py' });
    expect(r.error).toMatchObject({ type: 'ValueError', message: 'bad value', line: 2 });
    expect(r.error?.traceback).toContain('File "app.py", line 4, in <module>');
  });

  it('reports a syntax error with its line', async () => {
    const e = await start();
    const r = await e.exec('x = 1\ny = 2\ndef broken(:\n    pass\n');
    expect(r.error?.type).toBe('SyntaxError');
    expect(r.error?.line).toBe(3);
  });

  it('stops `while True: pass` with the watchdog, keeping the output before it', async () => {
    const e = await start();
    const r = await e.exec('print("before")\nwhile True:\n    pass', { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.output).toBe('before\n');
    await expect(e.exec('print(1)')).rejects.toThrow(/not loaded/);
    await e.reset();
    expect((await e.exec('print(2)')).output).toBe('2\n');
  });

  it('stops heap_lock(); raise (the official build spins forever) with the watchdog', async () => {
    const e = await start({ collector: 'top-level' });
    const r = await e.exec('import micropython\nmicropython.heap_lock()\nraise ValueError', {
      timeoutMs: 300,
    });
    expect(r.timedOut).toBe(true);
    expect(r.error).toBeNull();
  });

  it('reports heap_lock(); raise at once on the board-faithful build, then starts afresh', async () => {
    const e = await start();
    const r = await e.exec('import micropython\nmicropython.heap_lock()\nraise ValueError', {
      timeoutMs: 30_000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.engineStopped).toBe(true);
    expect(r.error?.type).toBe('MicroPythonFatal');
    await expect(e.exec('print(1)')).rejects.toThrow(/not loaded/);
    await e.load();
    expect((await e.exec('print(2)')).output).toBe('2\n');
  });

  it('keeps the GC heap at its size with fixed, and lets it grow without', async () => {
    // One allocation larger than the whole heap. (Filling a fixed heap with small objects to the
    // last block makes this build spin: it needs heap to format the traceback. See run --help.)
    const grow = 'big = bytearray(20000)';
    const info = 'import micropython\nmicropython.mem_info()';

    const growing = await start({ heapSize: 16 * 1024 });
    expect((await growing.exec(grow)).error).toBeNull();
    expect(gcTotal((await growing.exec(info)).output)).toBeGreaterThan(16000);
    await growing.close();

    const fixed = await start({ heapSize: 16 * 1024, fixed: true });
    const r = await fixed.exec(grow, { timeoutMs: 20_000 });
    expect(r.error?.type).toBe('MemoryError');
    expect(r.error?.message).toBe('memory allocation failed, allocating 20000 bytes');
    expect(gcTotal((await fixed.exec(info)).output)).toBe(16000);
    // Large code text still gets through (the glue's own buffers may grow memory).
    const big = `# ${'padding '.repeat(8000)}\nprint("long code text ran")`;
    expect((await fixed.exec(big)).output).toBe('long code text ran\n');
    expect(gcTotal((await fixed.exec(info)).output)).toBe(16000);
  });

  it('serves the helper module to `import`', async () => {
    const e = await start();
    await e.provideModule('helper', 'def twice(x):\n    return 2 * x\n');
    expect((await e.exec('import helper\nprint(helper.twice(21))')).output).toBe('42\n');
    // A fresh instance gets it too.
    await e.reset();
    expect((await e.exec('import helper\nprint(helper.twice(4))')).output).toBe('8\n');
  });

  it('refuses a heap too small to start', () => {
    expect(() => new WasmEngine({ heapSize: 1000 })).toThrow(/too small/);
  });
});
