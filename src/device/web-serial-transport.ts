/**
 * A `Transport` over WebSerial (Chrome's `navigator.serial`), so the report and dashboard pages
 * can talk to a board with the same raw-REPL and monitor code as the CLI. Browser-only in use,
 * but it needs nothing beyond WHATWG streams, so it also runs (with a stand-in port) under Node.
 *
 * WebSerial's types are not in TypeScript's DOM library; `SerialPortLike` names the part used.
 */
import { PortError } from './errors.js';
import type { Transport } from './transport.js';

/** The part of WebSerial's `SerialPort` this transport uses. */
export interface SerialPortLike {
  open(options: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  /** Null while closed, and after a fatal error (the device went away). */
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
  getInfo?(): { usbVendorId?: number; usbProductId?: number };
}

/** MicroPython's USB and UART REPLs both run at 115200 baud (USB CDC ignores the rate). */
export const DEFAULT_BAUD_RATE = 115200;

/**
 * Errors a read may end with that leave the port usable: the spec then gives `readable` a fresh
 * stream, so reading goes on (a break or a garbled byte is not an unplugged board).
 */
const RECOVERABLE_READ_ERRORS = new Set(['BreakError', 'FramingError', 'ParityError', 'BufferOverrunError']);

export class WebSerialTransport implements Transport {
  readonly name: string;
  private dataListener: (chunk: Uint8Array) => void = () => {};
  private closeListener: (reason: string) => void = () => {};
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  private reading: Promise<void> | null = null;
  private closing = false;

  constructor(
    private readonly port: SerialPortLike,
    private readonly baudRate = DEFAULT_BAUD_RATE,
  ) {
    this.name = webSerialName(port);
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }

  async open(): Promise<void> {
    this.closing = false;
    try {
      await this.port.open({ baudRate: this.baudRate });
    } catch (e) {
      throw new PortError(`cannot open ${this.name}: ${openFailure(e)}`);
    }
    if (!this.port.writable || !this.port.readable) {
      throw new PortError(`cannot open ${this.name}: the port opened without streams`);
    }
    this.writer = this.port.writable.getWriter();
    this.reading = this.readLoop();
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.writer) throw new PortError(`${this.name} is not open`);
    try {
      await this.writer.write(data);
    } catch (e) {
      throw new PortError(`${this.name}: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // WebSerial refuses to close a port whose streams are locked: cancel the read (which ends the
    // loop and releases the reader) and release the writer first.
    await this.reader?.cancel().catch(() => {});
    await this.reading;
    const writer = this.writer;
    this.writer = null;
    if (writer) {
      await writer.close().catch(() => {});
      writer.releaseLock();
    }
    await this.port.close().catch(() => {});
  }

  /** Reads until close() or the device goes away; a recoverable error just starts a new reader. */
  private async readLoop(): Promise<void> {
    let reason = 'the port closed';
    let previous: ReadableStream<Uint8Array> | null = null;
    while (!this.closing && this.port.readable) {
      if (this.port.readable === previous) {
        // A recoverable error must come with a fresh stream; the same errored one would spin.
        reason = 'the port stopped reading after an error';
        break;
      }
      previous = this.port.readable;
      const reader = this.port.readable.getReader();
      this.reader = reader;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (value && value.length > 0) this.dataListener(value);
        }
        if (!this.closing) {
          reason = 'the port stopped sending (closed by the browser)';
          break;
        }
      } catch (e) {
        const name = (e as Error).name;
        if (RECOVERABLE_READ_ERRORS.has(name)) continue;
        reason = `the board went away (${name}: ${(e as Error).message})`;
        break;
      } finally {
        reader.releaseLock();
        this.reader = null;
      }
    }
    if (this.closing) return;
    // The link is gone: later writes must fail at once, not queue on a stream nobody reads.
    this.writer?.releaseLock();
    this.writer = null;
    this.closeListener(reason);
  }
}

/** A name a user recognises: the USB ids when the browser tells them. */
export function webSerialName(port: SerialPortLike): string {
  const info = port.getInfo?.() ?? {};
  if (info.usbVendorId === undefined) return 'webserial';
  const hex = (n: number | undefined) => (n ?? 0).toString(16).padStart(4, '0');
  return `webserial:${hex(info.usbVendorId)}:${hex(info.usbProductId)}`;
}

function openFailure(e: unknown): string {
  const err = e as Error;
  if (err?.name === 'InvalidStateError') return 'it is already open (in another tab or by this page)';
  if (err?.name === 'NetworkError')
    return 'the system refused it (is mpremote, a serial monitor or another program holding the port?)';
  return err?.message ?? String(e);
}
