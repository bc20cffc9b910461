import { describe, expect, it } from 'vitest';
import { PortError } from '../../src/device/errors.js';
import { classifyPort, type PortInfo, parsePortName, pickAutoPort } from '../../src/device/ports.js';

const usb = (path: string, vendorId: string | null, productId: string | null): PortInfo => ({
  path,
  vendorId,
  productId,
  manufacturer: null,
  serialNumber: null,
});

describe('port names', () => {
  it('expands the mpremote shortcuts', () => {
    expect(parsePortName('a0')).toEqual({ kind: 'serial', path: '/dev/ttyACM0' });
    expect(parsePortName('u1')).toEqual({ kind: 'serial', path: '/dev/ttyUSB1' });
    expect(parsePortName('c12')).toEqual({ kind: 'serial', path: 'COM12' });
  });

  it('keeps system names as they are', () => {
    expect(parsePortName('/dev/ttyACM0')).toEqual({ kind: 'serial', path: '/dev/ttyACM0' });
    expect(parsePortName('COM3')).toEqual({ kind: 'serial', path: 'COM3' });
    expect(parsePortName('auto')).toEqual({ kind: 'auto' });
  });

  it('reads socket:// addresses', () => {
    expect(parsePortName('socket://127.0.0.1:2217')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2217 });
    expect(parsePortName('socket://[::1]:80')).toEqual({ kind: 'tcp', host: '::1', port: 80 });
  });

  it('rejects what it cannot use, saying how to write it', () => {
    expect(() => parsePortName('socket://host')).toThrow(PortError);
    expect(() => parsePortName('socket://host:99999')).toThrow(/socket:\/\/HOST:PORT/);
    expect(() => parsePortName('rfc2217://host:1')).toThrow(/only socket:\/\//);
    expect(() => parsePortName('  ')).toThrow(/no port given/);
  });
});

describe('USB ids', () => {
  it('knows MicroPython boards and USB-UART bridges', () => {
    expect(classifyPort(usb('/dev/ttyACM0', '2e8a', '0005')).likelihood).toBe('micropython');
    expect(classifyPort(usb('/dev/ttyACM0', 'f055', '9802')).likelihood).toBe('micropython');
    expect(classifyPort(usb('/dev/ttyUSB0', '10c4', 'ea60')).likelihood).toBe('usb-serial');
    expect(classifyPort(usb('/dev/ttyS0', null, null)).likelihood).toBe('unknown');
    expect(classifyPort(usb('/dev/ttyACM1', '0d28', '0204')).what).toBe('BBC micro:bit (DAPLink)');
  });

  it('auto prefers a native MicroPython board over a bridge, and ignores the rest', () => {
    const ports = [
      usb('/dev/ttyS0', null, null),
      usb('/dev/ttyUSB0', '1a86', '7523'),
      usb('/dev/ttyACM0', '2e8a', '0005'),
    ];
    expect(pickAutoPort(ports)?.path).toBe('/dev/ttyACM0');
    expect(pickAutoPort(ports.slice(0, 2))?.path).toBe('/dev/ttyUSB0');
    expect(pickAutoPort(ports.slice(0, 1))).toBeNull();
  });
});
