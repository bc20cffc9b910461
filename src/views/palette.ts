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
  /** CSS colour `#rrggbb`: the same hue as the terminal colour. */
  rgb: string;
  /** picocolors colour of the terminal map (src/views/terminal/render.ts uses these hues). */
  ansi:
    | 'cyan'
    | 'blue'
    | 'magenta'
    | 'green'
    | 'yellow'
    | 'cyanBright'
    | 'red'
    | 'magentaBright'
    | 'yellowBright'
    | 'white'
    | 'gray';
  /**
   * A picocolors background under `ansi`, for the one character that must stand out in a
   * terminal: `m` only appears in a dump taken mid-collection, so it is painted white on red.
   */
  ansiBackground?: 'bgRed';
}

export const PALETTE: readonly PaletteEntry[] = [
  { char: 'T', name: 'tuple', rgb: '#1f9fb4', ansi: 'cyan' },
  { char: 'L', name: 'list', rgb: '#3b6fd4', ansi: 'blue' },
  { char: 'D', name: 'dict', rgb: '#b8409f', ansi: 'magenta' },
  { char: 'S', name: 'str or bytes', rgb: '#3a9a3f', ansi: 'green' },
  { char: 'A', name: 'bytearray or array', rgb: '#b8860b', ansi: 'yellow' },
  { char: 'F', name: 'float', rgb: '#5fd0e0', ansi: 'cyanBright' },
  { char: 'B', name: 'bytecode function', rgb: '#d43a3a', ansi: 'red' },
  { char: 'M', name: 'module', rgb: '#f06ad2', ansi: 'magentaBright' },
  { char: 'h', name: 'other object', rgb: '#e3c341', ansi: 'yellowBright' },
  { char: 'm', name: 'marked (mid-collection)', rgb: '#555555', ansi: 'white', ansiBackground: 'bgRed' },
  { char: '=', name: 'tail of the object before it', rgb: '#bbbbbb', ansi: 'white' },
  { char: '.', name: 'free', rgb: '#f3f1ea', ansi: 'gray' },
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
