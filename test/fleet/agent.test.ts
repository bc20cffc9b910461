/**
 * mpheap_agent on real MicroPython: the embedded WebAssembly engine (1.27) with its records
 * bridged to mosquitto by `mpheap run --publish`, and the emulated micro:bit (1.9.2, 10 KB heap)
 * with the agent installed over the raw REPL and its console forwarded by `monitor --publish`.
 * A sample must not allocate: gc.mem_alloc() before and after, and the sample runs with the
 * heap locked (an allocation would raise).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpTransport } from '../../src/device/node/tcp-transport.js';
import { SerialEngine } from '../../src/device/serial-engine.js';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';
import type { Engine, ExecResult } from '../../src/engines/engine.js';
import { WasmEngine } from '../../src/engines/wasm/wasm-engine.js';
import { agentFiles, installAgent } from '../../src/fleet/agent-files.js';
import { Collector } from '../../src/fleet/collector.js';
import { parseRecord } from '../../src/fleet/record.js';
import { SqliteStore } from '../../src/fleet/sqlite-store.js';
import { runCli } from '../support/cli.js';
import { type Broker, startBroker } from '../support/services.js';

/** One exchange with the engine; callsAgent marks code that calls the agent. */
interface Piece {
  code: string;
  callsAgent?: boolean;
}

/**
 * Footprint and allocation check, in Python every version here runs, in small pieces (globals
 * carry over between them). boot=1: the boot count file on the board is left alone.
 */
function measure(startArgs: string): Piece[] {
  return [
    { code: 'import gc, micropython\ngc.collect()\n_b0 = gc.mem_alloc()' },
    {
      code: `import mpheap_agent\nmpheap_agent.start('probe', boot=1, collect=False${startArgs})`,
      callsAgent: true,
    },
    { code: "gc.collect()\nprint('footprint', gc.mem_alloc() - _b0)" },
    // A sample made through the public call (it locks the heap itself; an allocation would raise).
    { code: 'mpheap_agent.sample()', callsAgent: true },
    { code: 'import mpheap_agent_read' },
    {
      code:
        'def _locked():\n    gc.collect()\n    a = gc.mem_alloc()\n    micropython.heap_lock()\n' +
        '    mpheap_agent_read.measure()\n    micropython.heap_unlock()\n    return gc.mem_alloc() - a',
    },
    { code: "print('sample alloc', _locked())" },
    { code: 'micropython.mem_info()' },
  ];
}

/**
 * Runs the pieces one exchange each; the output of all of them. MicroPython 1.9.2 on the
 * emulated micro:bit drops input bytes when its guest falls behind; the board engine runs only
 * code the board echoed back whole, so each piece runs exactly as sent.
 */
async function execPieces(engine: Engine, pieces: Piece[]): Promise<string> {
  let output = '';
  for (const { code } of pieces) {
    const opts = { timeoutMs: 30_000 };
    // A board runs only what it echoed back whole (device/verified-exec.ts): no resend here.
    const r: ExecResult = await engine.exec(code, opts);
    output += r.output;
    if (r.error)
      throw new Error(`${r.error.type}: ${r.error.message}\nin:\n${code}\noutput so far:\n${output}`);
  }
  return output;
}

function records(output: string) {
  return output
    .split(/\r?\n/)
    .filter((l) => l.startsWith('mph1 '))
    .map((l) => {
      const r = parseRecord(l);
      if (!r.ok) throw new Error(`${r.reason}: ${l}`);
      return r.record;
    });
}

/** The figures of the last micropython.mem_info() in the output. */
function memInfo(output: string) {
  const m = /GC: total: (\d+), used: (\d+), free: (\d+)(?:, max new split: (\d+))?/.exec(output);
  if (!m) throw new Error(`no mem_info in:\n${output}`);
  return { total: Number(m[1]), used: Number(m[2]), free: Number(m[3]), split: Number(m[4] ?? 0) };
}

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
});

describe('mpheap_agent on the embedded engine', () => {
  // fixed: a board's heap (nothing to grow by); growing: the split-heap build, told its first
  // area's size with heap= because it cannot ask a heap that grows.
  it.each([
    ['a fixed heap', true],
    ['a heap that grows', false],
  ])('samples without allocating on %s; its figures agree with mem_info', async (_name, fixed) => {
    const engine = new WasmEngine({ heapSize: 32 * 1024, fixed });
    await engine.load();
    try {
      for (const f of agentFiles()) await engine.provideModule(f.name.replace(/\.py$/, ''), f.source);
      const output = await execPieces(engine, measure(', heap=32000'));
      expect(output).toContain('sample alloc 0\n');
      const recs = records(output);
      expect(recs.map((r) => r.seq)).toEqual([0, 1]);
      const last = recs[1];
      expect(last).toMatchObject({ device: 'probe', boot: 1, largestFrom: 'table', collected: false });
      const info = memInfo(output);
      expect(last.free + last.used).toBe(info.total);
      // What the heap can still grow by: the engine's own figure (0 when it is fixed).
      expect(last.maxNewSplit).toBe(info.split);
      expect(info.split === 0).toBe(fixed);
      const footprint = Number(/footprint (\d+)/.exec(output)?.[1]);
      // Measured 3,760 (fixed) and 3,680 (growing) bytes on MicroPython 1.27 (agent/README.md).
      expect(footprint).toBeGreaterThan(2500);
      expect(footprint).toBeLessThan(5000);
    } finally {
      await engine.close();
    }
  });

  it('run --publish --device-id: the records reach the collector', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-agent-run-'));
    const script = join(dir, 'app.py');
    writeFileSync(
      script,
      'import mpheap_agent\nkeep = []\nfor i in range(5):\n    keep.append(bytearray(300))\n    mpheap_agent.sample()\n',
    );
    const store = new SqliteStore(join(dir, 'fleet.sqlite'));
    const collector = new Collector({ url: broker.url, store, clientId: 'agent-run' });
    await collector.start();
    try {
      const r = await runCli(
        'run',
        script,
        '--fixed',
        '--heap',
        '32K',
        '--no-record',
        '--publish',
        broker.url,
        '--device-id',
        'wasm-7',
      );
      expect(r.code, r.stderr).toBe(0);
      await expect.poll(async () => (await store.count()).samples, { timeout: 10_000 }).toBe(7);
      const s = await store.samples('wasm-7');
      expect(s.map((x) => x.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      // What the script keeps alive grows by 300 bytes (19 blocks: 304) and its bytearray.
      expect(s[5].used - s[1].used).toBeGreaterThanOrEqual(4 * 304);
      expect(r.stdout.split('\n').filter((l) => l.startsWith('mph1 wasm-7 ')).length).toBe(7);
    } finally {
      await collector.stop();
      await store.close();
    }
  });
});

/** The program a fielded micro:bit would run: the agent beside work that keeps memory. */
const MAIN_PY = [
  'import utime',
  // Time for `mpheap monitor` to attach after the soft reboot that starts this.
  'utime.sleep_ms(2500)',
  'import mpheap_agent',
  "mpheap_agent.start('mb-1')",
  'keep = []',
  'for i in range(8):',
  '    utime.sleep_ms(300)',
  '    keep.append(bytearray(100))',
  '    mpheap_agent.sample()',
  '',
].join('\n');

describe('mpheap_agent on the emulated micro:bit (MicroPython 1.9.2, 10 KB heap)', () => {
  let board: RunningEmulator;
  beforeAll(async () => {
    board = await startMicrobit();
  });
  afterAll(async () => {
    await board?.stop();
  });

  it('mpheap agent install: every file checked, and the agent runs on the board', async () => {
    const r = await runCli('agent', 'install', '--port', board.portName, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.files.map((f: { file: string }) => f.file)).toEqual(agentFiles().map((f) => f.name));
    for (const f of out.files)
      expect(f.bytes).toBe(agentFiles().find((a) => a.name === f.file)?.source.length);
    // The check record: micro:bit 1.9.2 has no gc.mem_maxfree, so the table gives the largest block.
    expect(out.check).toMatchObject({ device: 'install-check', boot: 1, seq: 0, largestFrom: 'table' });
    expect(out.check.free + out.check.used).toBe(10_048);
  });

  it('samples without allocating; its figures agree with mem_info', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort), {
      kind: 'microbit',
      softReset: true,
    });
    await engine.load();
    let output = '';
    try {
      output = await execPieces(engine, measure(''));
    } finally {
      await engine.close();
    }
    expect(output).toContain('sample alloc 0\r\n');
    const recs = records(output);
    expect(
      recs.map((r) => r.seq),
      output,
    ).toEqual([0, 1]);
    expect(recs[1]).toMatchObject({
      device: 'probe',
      boot: 1,
      reset: null,
      largestFrom: 'table',
      maxNewSplit: 0,
    });
    const info = memInfo(output);
    expect(info.total).toBe(10_048);
    expect(recs[1].free + recs[1].used).toBe(10_048);
    const footprint = Number(/footprint (\d+)/.exec(output)?.[1]);
    // Measured 4,160 bytes (agent/README.md).
    expect(footprint).toBeGreaterThan(3000);
    expect(footprint).toBeLessThan(5000);
  });

  it('works two calls deep on the 1.8 KB stack; deeper, it says why it cannot', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort), {
      kind: 'microbit',
      softReset: true,
    });
    await engine.load();
    try {
      // As a main.py would: start() inside main(), inside a helper; tick() two calls deep too.
      const ok = await execPieces(engine, [
        {
          code:
            "import mpheap_agent\ndef setup():\n    mpheap_agent.start('deep', boot=1, every=0)\n" +
            'def main():\n    setup()\n    loop()\ndef loop():\n    mpheap_agent.tick()',
        },
        { code: 'main()', callsAgent: true },
      ]);
      expect(records(ok).map((r) => r.seq)).toEqual([0, 1]);
      await execPieces(engine, [
        {
          code: 'def a():\n    b()\ndef b():\n    c()\ndef c():\n    d()\ndef d():\n    mpheap_agent.sample()',
        },
      ]);
      const deep = await engine.exec('a()');
      expect(deep.error?.type).toBe('RuntimeError');
      expect(deep.error?.message).toBe('mpheap_agent: stack too deep, call it nearer the top');
    } finally {
      await engine.close();
    }
  });

  it('runs from main.py; monitor --publish forwards every record it prints to the collector', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort), {
      kind: 'microbit',
      softReset: true,
    });
    await engine.load();
    await installAgent(engine, undefined, [{ name: 'main.py', source: MAIN_PY }]);
    // Leave the raw REPL and soft-reboot at the friendly prompt: the firmware then runs main.py.
    await engine.repl.leave();
    await engine.link.write('\x04');
    await engine.link.waitFor('soft reboot', { timeoutMs: 5000, what: 'the soft reboot' });
    await engine.link.close();

    const dir = mkdtempSync(join(tmpdir(), 'mpheap-agent-mb-'));
    const store = new SqliteStore(join(dir, 'fleet.sqlite'));
    const collector = new Collector({ url: broker.url, store, clientId: 'agent-mb' });
    await collector.start();
    try {
      const mon = await runCli(
        'monitor',
        '--port',
        board.portName,
        '--publish',
        broker.url,
        '--duration',
        '10',
        '--json',
      );
      expect(mon.code, mon.stderr).toBe(0);
      const summary = JSON.parse(mon.stdout);
      expect(summary.published).toEqual({ records: 9, rejected: 0, dropped: 0 });
      await expect.poll(async () => (await store.count()).samples, { timeout: 10_000 }).toBe(9);
      const s = await store.samples('mb-1');
      expect(s.map((x) => x.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      // The first start() on this board that counts boots (every one before passed boot=1).
      expect(new Set(s.map((x) => x.boot))).toEqual(new Set([1]));
      // Each sample follows a collection, so what stays live grows by what main.py keeps.
      expect(s.every((x) => x.collected && x.largestFrom === 'table')).toBe(true);
      expect(s[8].used).toBeGreaterThan(s[0].used + 8 * 100);
    } finally {
      await collector.stop();
      await store.close();
    }
  });
});
