/**
 * The raw REPL and the SerialEngine against a real MicroPython 1.9.2 board: QEMU's micro:bit,
 * over TCP and over a pseudo-terminal (socat) through `serialport`. One boot for the whole file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../src/device/node/serial-transport.js';
import { TcpTransport } from '../../src/device/node/tcp-transport.js';
import { SerialEngine } from '../../src/device/serial-engine.js';
import type { Transport } from '../../src/device/transport.js';
import { type RunningEmulator, startMicrobit } from '../../src/emulator/microbit.js';

let board: RunningEmulator;

beforeAll(async () => {
  board = await startMicrobit();
});

afterAll(async () => {
  await board?.stop();
});

describe('SerialEngine over TCP (emulated micro:bit)', () => {
  it('identifies the board, runs code, streams output, reports errors', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort));
    try {
      await engine.load();
      expect(engine.info.version).toBe('1.9.2');
      expect(engine.info.wordSize).toBe(4);
      expect(engine.info.heapSize).toBe(10048);
      expect(engine.repl.rawPasteSupported).toBe(false);

      const pieces: string[] = [];
      const r = await engine.exec('for i in range(3):\n    print(i * 7)\n', {
        onOutput: (t) => pieces.push(t),
      });
      expect(r.error).toBeNull();
      expect(r.output).toBe('0\r\n7\r\n14\r\n');
      expect(pieces.join('')).toBe(r.output);

      const e = await engine.exec('x = 1\n\ndef f():\n    raise ValueError("bad %d" % x)\nf()\n', {
        filename: 'prog.py',
      });
      expect(e.error?.type).toBe('ValueError');
      expect(e.error?.message).toBe('bad 1');
      expect(e.error?.line).toBe(4);
      expect(e.error?.traceback).toContain('File "prog.py", line 5');

      // State persists between execs, until a soft reset.
      expect((await engine.exec('print(x + 1)')).output).toBe('2\r\n');
      await engine.reset();
      expect((await engine.exec('print(x)')).error?.type).toBe('NameError');
    } finally {
      await engine.close();
    }
  });

  it('sends long code intact (paced plain raw REPL)', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort));
    try {
      await engine.load();
      const lines = Array.from({ length: 60 }, (_, i) => `v${i} = ${i} * 3  # padding padding padding`);
      const code = `${lines.join('\n')}\nprint(sum([${lines.map((_, i) => `v${i}`).join(',')}]))\n`;
      expect(code.length).toBeGreaterThan(2500);
      const r = await engine.exec(code);
      expect(r.error).toBeNull();
      expect(r.output).toBe(`${3 * ((59 * 60) / 2)}\r\n`);
    } finally {
      await engine.close();
    }
  });

  it('execVerified runs code as sent, or sends it again when a byte was lost on the way', async () => {
    // The link loses one byte of the first send of the code, as a board that fell behind does.
    const tcp = new TcpTransport('127.0.0.1', board.tcpPort);
    let lose = true;
    const lossy: Transport = {
      name: tcp.name,
      open: () => tcp.open(),
      onData: (l) => tcp.onData(l),
      onClose: (l) => tcp.onClose(l),
      close: () => tcp.close(),
      write: (data) => {
        const text = new TextDecoder().decode(data);
        const at = text.indexOf('11*');
        if (!lose || at < 0) return tcp.write(data);
        lose = false;
        return tcp.write(new TextEncoder().encode(text.slice(0, at) + text.slice(at + 1)));
      },
    };
    const engine = new SerialEngine(lossy);
    try {
      await engine.load();
      const r = await engine.execVerified('kept = 11*11\nprint(kept)');
      expect(lose).toBe(false);
      expect(r.error).toBeNull();
      // Not 11 (the damaged copy, 1*11): the board refused it and ran the one that came whole.
      expect(r.output).toBe('121\r\n');
      expect(engine.repl.retries).toBe(1);
      expect((await engine.exec('print(kept)')).output).toBe('121\r\n');
      // An error of the code itself is the answer, not a reason to send it again.
      const e = await engine.execVerified("raise ValueError('own')");
      expect(e.error?.type).toBe('ValueError');
      expect(engine.repl.retries).toBe(1);
      await engine.dropVerifier();
      expect((await engine.exec('_mpheap_x')).error?.type).toBe('NameError');
    } finally {
      await engine.close();
    }
  });

  it('stops a program that runs too long and says so', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort));
    try {
      await engine.load();
      const r = await engine.exec('while True:\n    pass\n', { timeoutMs: 500 });
      expect(r.timedOut).toBe(true);
      expect(r.error?.type).toBe('KeyboardInterrupt');
      // The board is usable afterwards.
      expect((await engine.exec('print(6 * 7)')).output).toBe('42\r\n');
    } finally {
      await engine.close();
    }
  });

  it('raises MemoryError on the 10 KB heap', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort));
    try {
      await engine.load();
      const r = await engine.exec('b = bytearray(12000)\n');
      expect(r.error?.type).toBe('MemoryError');
      expect(r.error?.message).toBe('memory allocation failed, allocating 12000 bytes');
    } finally {
      await engine.close();
    }
  });
});

describe('modules defined in RAM', () => {
  it('makes `import name` work without touching the filesystem', async () => {
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', board.tcpPort));
    try {
      await engine.load();
      await engine.reset();
      const source =
        "import gc\nCOUNT = [0]\n\ndef hello(x):\n    COUNT[0] += 1\n    return 'hi \\'%s\\' %d' % (x, COUNT[0])\n";
      await engine.provideModule('greet', source);
      const r = await engine.exec(
        "import greet\nprint(greet.hello('a'))\nfrom greet import hello\nprint(hello('b'))\nimport os\nprint(os.listdir())\n",
      );
      expect(r.error).toBeNull();
      expect(r.output).toBe("hi 'a' 1\r\nhi 'b' 2\r\n[]\r\n");
    } finally {
      await engine.close();
    }
  });
});

describe('SerialEngine over a pseudo-terminal through serialport', () => {
  let socat: ChildProcess | undefined;
  const link = join(tmpdir(), `mpheap-pty-${process.pid}`);

  afterAll(() => {
    socat?.kill('SIGTERM');
  });

  it('runs code on the board behind /dev/pts', async () => {
    socat = spawn('socat', [`pty,link=${link},raw,echo=0`, `tcp:127.0.0.1:${board.tcpPort}`], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && !existsSync(link); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(link)).toBe(true);
    const engine = new SerialEngine(new SerialTransport(link));
    try {
      await engine.load();
      expect(engine.info.version).toBe('1.9.2');
      const r = await engine.exec('import gc\nprint(gc.mem_free() + gc.mem_alloc())\n');
      expect(r.output).toBe('10048\r\n');
    } finally {
      await engine.close();
    }
  });
});
