/**
 * The raw-REPL protocol details the emulated 1.9.2 board cannot show: raw-paste mode with its
 * flow-control window (MicroPython 1.13+), played by a scripted transport; and a real TCP port
 * that accepts and never answers.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BoardTimeoutError } from '../../src/device/errors.js';
import { BoardLink } from '../../src/device/link.js';
import { TcpTransport } from '../../src/device/node/tcp-transport.js';
import { RawRepl } from '../../src/device/raw-repl.js';
import { SerialEngine } from '../../src/device/serial-engine.js';
import type { Transport } from '../../src/device/transport.js';

/** Bytes pushed in by the test as if the board sent them (a unit-test stand-in). */
class PushedBytes implements Transport {
  readonly name: string = 'pushed';
  private listener: (c: Uint8Array) => void = () => {};
  onData(l: (c: Uint8Array) => void): void {
    this.listener = l;
  }
  onClose(): void {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async write(_data: Uint8Array): Promise<void> {}
  push(s: string): void {
    this.listener(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  }
}

/** A modern board in the raw REPL that grants a 16-byte raw-paste window (a unit-test stand-in). */
class RawPasteBoard extends PushedBytes {
  override readonly name = 'scripted';
  received = '';
  /** Bytes written while the window was closed: must stay 0. */
  overruns = 0;
  private credit = 0;
  private pasting = false;
  private code = '';
  private send(s: string): void {
    setTimeout(() => this.push(s), 1);
  }
  override async write(data: Uint8Array): Promise<void> {
    const s = String.fromCharCode(...data);
    this.received += s;
    if (s === '\x01') return this.send('raw REPL; CTRL-B to exit\r\n>');
    if (s === '\x05A\x01') {
      this.pasting = true;
      this.credit = 16;
      return this.send('R\x01\x10\x00');
    }
    if (!this.pasting) return;
    if (s === '\x04') {
      this.pasting = false;
      const n = this.code.length;
      this.code = '';
      return this.send(`\x04${n} bytes\r\n\x04\x04>`);
    }
    for (const _ of s) {
      if (this.credit === 0) this.overruns++;
      this.credit--;
    }
    this.code += s;
    if (this.credit <= 0) {
      this.credit += 16;
      this.send('\x01');
    }
  }
}

describe('raw-paste mode', () => {
  it('sends no more than the window the board grants, and reads the result', async () => {
    const board = new RawPasteBoard();
    const repl = new RawRepl(new BoardLink(board), { answerTimeoutMs: 1000 });
    await repl.enter();
    const code = 'print("hello")\n'.repeat(10);
    const r = await repl.exec(code);
    expect(repl.rawPasteSupported).toBe(true);
    expect(board.overruns).toBe(0);
    expect(r).toEqual({ output: `${code.length} bytes\r\n`, error: '', timedOut: false });
  });
});

describe('a port that does not answer', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
    server?.close();
  });

  it('gives the timeout error instead of hanging', async () => {
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const engine = new SerialEngine(new TcpTransport('127.0.0.1', port), { answerTimeoutMs: 1000 });
    const err = await engine.load().then(
      () => null,
      (e: unknown) => e,
    );
    await engine.close();
    expect(err).toBeInstanceOf(BoardTimeoutError);
    expect((err as Error).message).toBe(
      'no answer from the board in 1 s (waited for the raw REPL banner, got nothing): is another program holding the port, or is the board running something that ignores Ctrl-C?',
    );
  });
});

describe('a program that prints for hours', () => {
  it('streams its output through the link without holding it, whatever the chunks', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(90)}\r\n`).join('');
    const ends = `${text}\x04`;
    for (const chunk of [4096, 1000, 7]) {
      const board = new PushedBytes();
      const link = new BoardLink(board);
      const parts: string[] = [];
      let mostHeld = 0;
      const done = link.waitFor('\x04', {
        timeoutMs: 10_000,
        what: 'the end of the program output',
        onProgress: (b) => parts.push(b),
      });
      for (let i = 0; i < ends.length; i += chunk) {
        board.push(ends.slice(i, i + chunk));
        // What the link keeps between chunks: the point is that it does not grow with the output.
        mostHeld = Math.max(mostHeld, (link as unknown as { pending: string }).pending.length);
      }
      expect(await done).toBe('');
      expect(parts.join('')).toBe(text);
      expect(mostHeld).toBeLessThanOrEqual(chunk);
    }
  });
});
