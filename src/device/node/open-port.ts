/** From the name the user typed to a Node transport: serial ports, sockets, `auto`. */
import { SerialPort } from 'serialport';
import { PortError } from '../errors.js';
import { type ClassifiedPort, classifyPort, parsePortName, pickAutoPort } from '../ports.js';
import type { Transport } from '../transport.js';
import { SerialTransport } from './serial-transport.js';
import { TcpTransport } from './tcp-transport.js';

export async function listPorts(): Promise<ClassifiedPort[]> {
  const ports = await SerialPort.list();
  return ports.map((p) =>
    classifyPort({
      path: p.path,
      vendorId: p.vendorId?.toLowerCase() ?? null,
      productId: p.productId?.toLowerCase() ?? null,
      manufacturer: p.manufacturer ?? null,
      serialNumber: p.serialNumber ?? null,
    }),
  );
}

/** Resolves `auto` and shortcuts; the transport is not opened yet. */
export async function transportFor(name: string, opts: { baudRate?: number } = {}): Promise<Transport> {
  const spec = parsePortName(name);
  if (spec.kind === 'tcp') return new TcpTransport(spec.host, spec.port);
  if (spec.kind === 'serial') return new SerialTransport(spec.path, opts.baudRate);
  const found = pickAutoPort(await listPorts());
  if (!found) {
    throw new PortError(
      'auto: no USB serial port looks like a MicroPython board (`mpheap devices` lists every port; name one with --port)',
    );
  }
  return new SerialTransport(found.path, opts.baudRate);
}
