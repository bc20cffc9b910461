/** A board reached over raw TCP (`socket://HOST:PORT`): QEMU's `-serial tcp:`, serial bridges. */
import { connect, type Socket } from 'node:net';
import { PortError } from '../errors.js';
import type { Transport } from '../transport.js';

export class TcpTransport implements Transport {
  readonly name: string;
  private socket: Socket | null = null;
  private dataListener: (chunk: Uint8Array) => void = () => {};
  private closeListener: (reason: string) => void = () => {};
  private closing = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.name = `socket://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }

  open(): Promise<void> {
    this.closing = false;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const failed = (e: NodeJS.ErrnoException) => {
        socket.destroy();
        const why =
          e.code === 'ECONNREFUSED'
            ? 'nothing listens there (is the emulator running? start one with `mpheap emulate microbit`)'
            : e.message;
        reject(new PortError(`cannot connect to ${this.name}: ${why}`));
      };
      socket.once('error', failed);
      socket.once('connect', () => {
        socket.off('error', failed);
        this.socket = socket;
        socket.on('data', (d: Buffer) => this.dataListener(new Uint8Array(d.buffer, d.byteOffset, d.length)));
        socket.on('error', () => {}); // 'close' follows and reports it
        socket.on('close', () => {
          this.socket = null;
          if (!this.closing) this.closeListener('the connection closed (board or emulator gone)');
        });
        resolve();
      });
    });
  }

  write(data: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new PortError(`${this.name} is not open`));
    return new Promise((resolve, reject) => {
      socket.write(data, (e) => (e ? reject(new PortError(`${this.name}: ${e.message}`)) : resolve()));
    });
  }

  close(): Promise<void> {
    this.closing = true;
    const socket = this.socket;
    this.socket = null;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }
}
