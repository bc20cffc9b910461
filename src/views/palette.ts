/**
 * The map colours, shared by the terminal view and the browser views so that a list is the same
 * orange everywhere. Browser-safe: no imports, no Node APIs.
 *
 * Each map character of `mem_info(1)` (see ../heap/block-map.ts) has a name in words, a colour
 * for the web (`rgb`) and the nearest terminal colour (`ansi`, a picocolors function name).
 * Tails (`=`) take their head's colour, lightened (`tailRgb`), so an object reads as one shape.
 */

export interface PaletteEntry {
  /** The map character. */
  char: string;
  /** What the block holds, in words (the legend). */
  name: string;
  /** CSS colour `#rrggbb`. */
  rgb: string;
  /** picocolors colour function for the terminal map. */
  ansi: 'blue' | 'yellow' | 'red' | 'cyan' | 'green' | 'magenta' | 'white' | 'gray' | 'dim';
}

export const PALETTE: readonly PaletteEntry[] = [
  { char: 'T', name: 'tuple', rgb: '#4e79a7', ansi: 'blue' },
  { char: 'L', name: 'list', rgb: '#f28e2b', ansi: 'yellow' },
  { char: 'D', name: 'dict', rgb: '#e15759', ansi: 'red' },
  { char: 'S', name: 'str or bytes', rgb: '#2a9d8f', ansi: 'cyan' },
  { char: 'A', name: 'bytearray or array', rgb: '#59a14f', ansi: 'green' },
  { char: 'F', name: 'float', rgb: '#d4a017', ansi: 'yellow' },
  { char: 'B', name: 'bytecode function', rgb: '#b07aa1', ansi: 'magenta' },
  { char: 'M', name: 'module', rgb: '#e377c2', ansi: 'magenta' },
  { char: 'h', name: 'other object', rgb: '#8c6d5a', ansi: 'white' },
  { char: 'm', name: 'marked (mid-collection)', rgb: '#555555', ansi: 'gray' },
  { char: '=', name: 'tail of the object before it', rgb: '#bbbbbb', ansi: 'dim' },
  { char: '.', name: 'free', rgb: '#f3f1ea', ansi: 'dim' },
];

const BY_CHAR = new Map(PALETTE.map((e) => [e.char, e]));

/** The palette entry for a map character (an unknown character counts as `h`). */
export function paletteEntry(char: string): PaletteEntry {
  return BY_CHAR.get(char) ?? BY_CHAR.get('h')!;
}

/** How far a tail is lightened towards white (0 = head colour, 1 = white). */
export const TAIL_LIGHTEN = 0.45;

export function parseRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The colour of a tail block whose object's head has colour `headRgb`. */
export function tailRgb(headRgb: string): [number, number, number] {
  return parseRgb(headRgb).map((v) => Math.round(v + (255 - v) * TAIL_LIGHTEN)) as [number, number, number];
}
