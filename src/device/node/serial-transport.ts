/** A board on a serial port (USB CDC, USB-UART bridge, pseudo-terminal) through `serialport`. */
import { SerialPort } from 'serialport';
import { PortError } from '../errors.js';
import type { Transport } from '../transport.js';

export class SerialTransport implements Transport {
  private port: SerialPort | null = null;
  private dataListener: (chunk: Uint8Array) => void = () => {};
  private closeListener: (reason: string) => void = () => {};
  private closing = false;

  constructor(
    readonly name: string,
    readonly baudRate = 115200,
  ) {}

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }

  open(): Promise<void> {
    this.closing = false;
    const port = new SerialPort({ path: this.name, baudRate: this.baudRate, autoOpen: false });
    return new Promise((resolve, reject) => {
      port.open((e) => {
        if (e) {
          reject(new PortError(`cannot open ${this.name}: ${explainOpenError(e.message)}`));
          return;
        }
        this.port = port;
        port.on('data', (d: Buffer) => this.dataListener(new Uint8Array(d.buffer, d.byteOffset, d.length)));
        port.on('error', () => {}); // 'close' follows and reports it
        port.on('close', () => {
          this.port = null;
          if (!this.closing) this.closeListener('the port closed (board unplugged or reset)');
        });
        resolve();
      });
    });
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new PortError(`${this.name} is not open`));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data.buffer, data.byteOffset, data.length), (e) => {
        if (e) reject(new PortError(`${this.name}: ${e.message}`));
        else port.drain(() => resolve());
      });
    });
  }

  close(): Promise<void> {
    this.closing = true;
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}

function explainOpenError(message: string): string {
  if (/ENOENT|No such file/i.test(message))
    return 'no such port (is the board plugged in? `mpheap devices` lists ports)';
  if (/EACCES|Permission denied/i.test(message)) {
    return 'permission denied (on Linux, add yourself to the dialout group and log in again)';
  }
  if (/EBUSY|Resource busy|lock/i.test(message))
    return 'the port is busy: another program holds it (close mpremote, Thonny, screen…)';
  // The file opened but is no terminal (/dev/null, a plain file): setting its baud rate fails.
  if (/ENOTTY|Inappropriate ioctl|baud rate/i.test(message))
    return 'not a serial port (`mpheap devices` lists ports; socket://HOST:PORT for a TCP one)';
  if (/EISDIR|is a directory/i.test(message)) return 'a folder, not a serial port';
  return message.replace(/^Error: /, '');
}
