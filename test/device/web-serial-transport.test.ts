/**
 * WebSerialTransport against a stand-in for WebSerial's SerialPort built from real WHATWG
 * streams (headless chromium has no serial ports, so the browser test can only check the
 * button). The stand-in behaves as the WebSerial spec says: open() makes the streams, close()
 * fails while they are locked, a recoverable read error replaces `readable`, unplugging nulls it.
 */
import { describe, expect, it } from 'vitest';
import { PortError } from '../../src/device/errors.js';
import { BoardLink } from '../../src/device/link.js';
import { RawRepl } from '../../src/device/raw-repl.js';
import {
  DEFAULT_BAUD_RATE,
  type SerialPortLike,
  WebSerialTransport,
} from '../../src/device/web-serial-transport.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (chunks: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(chunks));

class FakeSerialPort implements SerialPortLike {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  opened: { baudRate: number } | null = null;
  /** Everything the page wrote to the board. */
  written: Uint8Array[] = [];
  /** Called with each write, to answer like a board would. */
  onWrite: (data: Uint8Array) => void = () => {};
  private source: ReadableStreamDefaultController<Uint8Array> | null = null;

  constructor(
    private readonly info = { usbVendorId: 0x2e8a, usbProductId: 0x0005 },
    private readonly openError: Error | null = null,
  ) {}

  getInfo() {
    return this.info;
  }

  async open(options: { baudRate: number }): Promise<void> {
    if (this.openError) throw this.openError;
    if (this.opened)
      throw Object.assign(new Error('The port is already open.'), { name: 'InvalidStateError' });
    this.opened = options;
    this.newReadable();
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        this.written.push(chunk);
        this.onWrite(chunk);
      },
    });
  }

  async close(): Promise<void> {
    if (this.readable?.locked || this.writable?.locked) {
      throw Object.assign(new TypeError('Cannot close a locked stream'), { name: 'TypeError' });
    }
    this.opened = null;
    this.readable = null;
    this.writable = null;
  }

  /** The board sends bytes. */
  send(s: string): void {
    this.source?.enqueue(bytes(s));
  }

  /** A framing error: the current stream errors and a fresh one takes its place. */
  framingError(): void {
    const old = this.source;
    this.newReadable();
    old?.error(Object.assign(new Error('Framing error'), { name: 'FramingError' }));
  }

  /** The USB device goes away. */
  unplug(): void {
    const old = this.source;
    this.readable = null;
    this.writable = null;
    old?.error(Object.assign(new Error('The device has been lost.'), { name: 'NetworkError' }));
  }

  private newReadable(): void {
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.source = c;
      },
    });
  }
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

describe('WebSerialTransport', () => {
  it('opens at 115200 baud, passes bytes both ways and closes a port whose streams it locked', async () => {
    const port = new FakeSerialPort();
    const t = new WebSerialTransport(port);
    expect(t.name).toBe('webserial:2e8a:0005');
    const got: Uint8Array[] = [];
    t.onData((c) => got.push(c));
    const closes: string[] = [];
    t.onClose((r) => closes.push(r));
    await t.open();
    expect(port.opened).toEqual({ baudRate: DEFAULT_BAUD_RATE });
    port.send('MicroPython v1.27\r\n');
    port.send('>>> ');
    await until(() => got.length === 2);
    expect(text(got)).toBe('MicroPython v1.27\r\n>>> ');
    await t.write(bytes('\x01'));
    expect(text(port.written)).toBe('\x01');
    await t.close();
    // close() succeeded only if both locks were released (the fake throws otherwise).
    expect(port.opened).toBeNull();
    expect(closes).toEqual([]);
  });

  it('keeps reading after a framing error, and reports an unplugged board once', async () => {
    const port = new FakeSerialPort();
    const t = new WebSerialTransport(port);
    const got: Uint8Array[] = [];
    const closes: string[] = [];
    t.onData((c) => got.push(c));
    t.onClose((r) => closes.push(r));
    await t.open();
    port.send('before ');
    await until(() => got.length === 1);
    port.framingError();
    port.send('after');
    await until(() => got.length === 2);
    expect(text(got)).toBe('before after');
    expect(closes).toEqual([]);
    port.unplug();
    await until(() => closes.length === 1);
    expect(closes).toEqual(['the board went away (NetworkError: The device has been lost.)']);
    await expect(t.write(bytes('x'))).rejects.toThrow(PortError);
  });

  it('says why a port cannot be opened', async () => {
    const busy = new FakeSerialPort(
      { usbVendorId: 0x0d28, usbProductId: 0x0204 },
      Object.assign(new Error('Failed to open serial port.'), { name: 'NetworkError' }),
    );
    await expect(new WebSerialTransport(busy).open()).rejects.toThrow(
      'cannot open webserial:0d28:0204: the system refused it (is mpremote, a serial monitor or another program holding the port?)',
    );
    const port = new FakeSerialPort();
    await new WebSerialTransport(port).open();
    await expect(new WebSerialTransport(port).open()).rejects.toThrow(
      'cannot open webserial:2e8a:0005: it is already open (in another tab or by this page)',
    );
    await expect(new WebSerialTransport(new FakeSerialPort()).write(bytes('x'))).rejects.toThrow(
      'webserial:2e8a:0005 is not open',
    );
  });

  it('carries the shared raw REPL protocol: enter, exec with output, leave', async () => {
    const port = new FakeSerialPort();
    // A scripted board: answers Ctrl-A with the raw banner, code + Ctrl-D with OK, output, \x04\x04>.
    let pending = '';
    port.onWrite = (chunk) => {
      pending += new TextDecoder('latin1').decode(chunk);
      if (pending.endsWith('\x01')) {
        pending = '';
        port.send('raw REPL; CTRL-B to exit\r\n>');
      } else if (pending.endsWith('\x04')) {
        const code = pending.slice(0, -1);
        pending = '';
        port.send(code === 'print(6*7)' ? 'OK42\r\n\x04\x04>' : 'OK\x04\x04>');
      } else if (pending.endsWith('\x03')) {
        pending = '';
      } else if (pending.endsWith('\x02')) {
        pending = '';
        port.send('\r\n>>> ');
      }
    };
    const link = new BoardLink(new WebSerialTransport(port));
    await link.open();
    // 1.9.2-style firmware: plain raw REPL, no raw-paste mode.
    const repl = new RawRepl(link, { rawPaste: false });
    await repl.enter();
    const result = await repl.exec('print(6*7)');
    expect(result.output).toBe('42\r\n');
    expect(result.error).toBe('');
    await link.close();
    expect(port.opened).toBeNull();
  });
});
