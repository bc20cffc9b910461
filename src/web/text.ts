/** Number and address formatting for the page. */
import { paletteEntry } from '../views/palette.js';

/**
 * Exact up to a megabyte, as the terminal and mem_info print them (`16,000 B`, never `15.6 KiB`
 * for the pool of a `--heap 16K` run), then in MiB.
 */
export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
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
