/**
 * Sizes as MicroPython developers write them: `114688`, `112K`, `0x1C000`, `1M`, `16k`, `2.5K`.
 * K and M are binary (1024), as in linker scripts and `-X heapsize`.
 */
export function parseSize(text: string): number {
  const t = text.trim();
  const m = /^(0x[0-9a-f]+|\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(t);
  if (!m) throw new Error(`'${text}' is not a size (try 114688, 112K, 0x1C000 or 1M)`);
  const base = m[1].toLowerCase().startsWith('0x') ? Number.parseInt(m[1], 16) : Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : unit === 'g' ? 1024 ** 3 : 1;
  const v = base * mult;
  if (!Number.isFinite(v) || !Number.isInteger(v))
    throw new Error(`'${text}' is not a whole number of bytes`);
  return v;
}

/** 6048 → "6,048". */
export function formatBytes(n: number): string {
  return n.toLocaleString('en-US');
}

/** 114688 → "112 KiB", 1000 → "1,000 B". */
export function formatSize(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${formatBytes(n)} B`;
}

/** A size to read at a glance: 1 byte, 900 bytes, 1.5 KiB, 9.8 MiB (files, pages, output). */
export function formatHumanSize(n: number): string {
  if (n < 1024) return `${formatBytes(n)} ${n === 1 ? 'byte' : 'bytes'}`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** 1 → "1 byte", 6048 → "6,048 bytes". */
export function bytesText(n: number): string {
  return `${formatBytes(n)} ${n === 1 ? 'byte' : 'bytes'}`;
}
