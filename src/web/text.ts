/** Number and address formatting for the page. */
import { paletteEntry } from '../views/palette.js';

export function bytes(n: number): string {
  if (n >= 10 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 10 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n.toLocaleString('en-US')} B`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : n < 0 ? `−${count(-n)}` : '0';
}

/** The address of a byte offset in an area whose base is the hex text mem_info printed. */
export function address(baseHex: string, offset: number): string | null {
  const t = baseHex.replace(/^0x/i, '');
  if (!/^[0-9a-f]+$/i.test(t)) return null;
  return `0x${(BigInt(`0x${t}`) + BigInt(offset)).toString(16)}`;
}

export function typeName(char: string): string {
  return paletteEntry(char).name;
}
