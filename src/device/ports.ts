/**
 * Port names as MicroPython users write them, and which USB devices look like MicroPython boards.
 * Portable: the browser's WebSerial also reports USB vendor and product ids.
 *
 *   /dev/ttyACM0, COM3           a serial port as the system names it
 *   a0 u0 c0 (a1, u1, c12 …)     mpremote's shortcuts for /dev/ttyACMn, /dev/ttyUSBn, COMn
 *   socket://HOST:PORT           raw TCP (QEMU's `-serial tcp:`, network serial bridges)
 *   auto                         the first USB serial port that looks like a MicroPython board
 */
import { PortError } from './errors.js';

export type PortSpec =
  | { kind: 'serial'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'auto' };

export function parsePortName(name: string): PortSpec {
  const text = name.trim();
  if (text === '')
    throw new PortError(
      'no port given: use a name like /dev/ttyACM0, COM3, a0, socket://127.0.0.1:2217 or auto',
    );
  if (text === 'auto') return { kind: 'auto' };
  const shortcut = /^([auc])(\d+)$/.exec(text);
  if (shortcut) {
    const prefix = { a: '/dev/ttyACM', u: '/dev/ttyUSB', c: 'COM' }[shortcut[1] as 'a' | 'u' | 'c'];
    return { kind: 'serial', path: `${prefix}${shortcut[2]}` };
  }
  if (text.startsWith('socket://')) {
    const m = /^socket:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(text);
    const port = m ? Number(m[2]) : Number.NaN;
    if (!m || port < 1 || port > 65535) {
      throw new PortError(
        `'${text}' is not a socket address: write socket://HOST:PORT, e.g. socket://127.0.0.1:2217`,
      );
    }
    return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port };
  }
  if (text.includes('://')) {
    throw new PortError(`'${text}': only socket://HOST:PORT links are supported (besides serial ports)`);
  }
  return { kind: 'serial', path: text };
}

/** How sure we are that a USB device is a MicroPython board. */
export type BoardLikelihood = 'micropython' | 'usb-serial' | 'unknown';

interface KnownUsb {
  vid: number;
  /** null: every product of this vendor. */
  pid: number | null;
  likelihood: Exclude<BoardLikelihood, 'unknown'>;
  what: string;
}

/**
 * Native USB boards running MicroPython report these ids themselves; many other boards sit behind
 * a USB-UART bridge chip, which says nothing about the firmware but is usually a dev board.
 */
export const KNOWN_USB: readonly KnownUsb[] = [
  { vid: 0xf055, pid: null, likelihood: 'micropython', what: 'MicroPython (pyboard and native USB ports)' },
  { vid: 0x2e8a, pid: 0x0005, likelihood: 'micropython', what: 'Raspberry Pi Pico running MicroPython' },
  { vid: 0x0d28, pid: 0x0204, likelihood: 'micropython', what: 'BBC micro:bit (DAPLink)' },
  { vid: 0x303a, pid: null, likelihood: 'micropython', what: 'Espressif native USB (ESP32-S2/S3/C3/C6)' },
  { vid: 0x239a, pid: null, likelihood: 'micropython', what: 'Adafruit board' },
  { vid: 0x2341, pid: null, likelihood: 'micropython', what: 'Arduino board' },
  { vid: 0x10c4, pid: 0xea60, likelihood: 'usb-serial', what: 'Silicon Labs CP210x USB-UART (ESP32 boards)' },
  { vid: 0x1a86, pid: 0x7523, likelihood: 'usb-serial', what: 'WCH CH340 USB-UART (ESP8266/ESP32 boards)' },
  { vid: 0x1a86, pid: 0x55d4, likelihood: 'usb-serial', what: 'WCH CH9102 USB-UART (ESP32 boards)' },
  { vid: 0x0403, pid: 0x6001, likelihood: 'usb-serial', what: 'FTDI FT232R USB-UART' },
  { vid: 0x0403, pid: 0x6015, likelihood: 'usb-serial', what: 'FTDI FT231X USB-UART' },
];

export interface PortInfo {
  path: string;
  /** Hex strings as the system reports them (e.g. `2e8a`), or null for non-USB ports. */
  vendorId: string | null;
  productId: string | null;
  manufacturer: string | null;
  serialNumber: string | null;
}

export interface ClassifiedPort extends PortInfo {
  likelihood: BoardLikelihood;
  /** What the USB id says, or null. */
  what: string | null;
}

export function classifyPort(p: PortInfo): ClassifiedPort {
  const vid = p.vendorId ? Number.parseInt(p.vendorId, 16) : Number.NaN;
  const pid = p.productId ? Number.parseInt(p.productId, 16) : Number.NaN;
  const known = KNOWN_USB.find((k) => k.vid === vid && (k.pid === null || k.pid === pid));
  return { ...p, likelihood: known?.likelihood ?? 'unknown', what: known?.what ?? null };
}

/** The port `auto` means: a native MicroPython board first, then a USB-UART bridge. */
export function pickAutoPort(ports: PortInfo[]): ClassifiedPort | null {
  const classified = ports.map(classifyPort);
  return (
    classified.find((p) => p.likelihood === 'micropython') ??
    classified.find((p) => p.likelihood === 'usb-serial') ??
    null
  );
}
