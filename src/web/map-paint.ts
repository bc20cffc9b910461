/**
 * The heap map as pixels: one pixel per block in an image `cols` wide, areas one after another
 * (each starts on a new row, a few blank rows between them for its label). The canvas then
 * scales that image up by the cell size, so painting costs one pass over the blocks whatever the
 * zoom, and panning is only a different source rectangle.
 */
import { CH_FREE, CH_TAIL } from '../heap/block-map.js';
import { PALETTE, paletteEntry, parseRgb, tailRgb } from '../views/palette.js';
import { DIFF_FREED, DIFF_NEW } from './heap-figures.js';

export interface AreaPlace {
  /** First row of the area's blocks. */
  row: number;
  rows: number;
  blocks: number;
  /** Index of the area's first block with the areas laid end to end. */
  offset: number;
}

export interface MapLayout {
  cols: number;
  /** Blank rows above each area (its label goes there). */
  gap: number;
  areas: AreaPlace[];
  totalRows: number;
}

export function layoutMap(areaBlocks: readonly number[], cols: number, gap: number): MapLayout {
  const areas: AreaPlace[] = [];
  let row = 0;
  let offset = 0;
  for (const blocks of areaBlocks) {
    row += gap;
    const rows = Math.ceil(blocks / cols);
    areas.push({ row, rows, blocks, offset });
    row += rows;
    offset += blocks;
  }
  return { cols, gap, areas, totalRows: row };
}

/** Which block (area, index in area) is at a pixel of the 1:1 image; null outside the map. */
export function blockAtCell(
  layout: MapLayout,
  col: number,
  row: number,
): { area: number; block: number } | null {
  if (col < 0 || col >= layout.cols) return null;
  for (let a = 0; a < layout.areas.length; a++) {
    const p = layout.areas[a];
    if (row >= p.row && row < p.row + p.rows) {
      const block = (row - p.row) * layout.cols + col;
      return block < p.blocks ? { area: a, block } : null;
    }
  }
  return null;
}

/** The cell (1:1 image pixel) of a block. */
export function cellOfBlock(layout: MapLayout, area: number, block: number): { col: number; row: number } {
  const p = layout.areas[area];
  return { col: block % layout.cols, row: p.row + Math.floor(block / layout.cols) };
}

// Colours as little-endian RGBA words for a Uint32Array over ImageData.
function word([r, g, b]: readonly number[], a = 255): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
function grey(rgb: readonly number[], amount: number): number[] {
  const l = 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2];
  return rgb.map((v) => Math.round(v + (l - v) * amount + (235 - l) * amount * 0.5));
}

export const BACKGROUND = word([255, 255, 255]);
export const COLOUR_NEW = '#16a34a';
export const COLOUR_NEW_TAIL = '#86d19f';
export const COLOUR_FREED = '#dc2626';
export const COLOUR_TOO_SMALL = '#1f1f1f';

const HEAD = new Uint32Array(256);
const TAIL = new Uint32Array(256);
const DIMMED_HEAD = new Uint32Array(256);
const DIMMED_TAIL = new Uint32Array(256);
{
  const other = paletteEntry('h');
  for (let c = 0; c < 256; c++) {
    const rgb = parseRgb(other.rgb);
    HEAD[c] = word(rgb);
    TAIL[c] = word(tailRgb(other.rgb));
    DIMMED_HEAD[c] = word(grey(rgb, 0.75));
    DIMMED_TAIL[c] = word(grey(tailRgb(other.rgb), 0.75));
  }
  for (const e of PALETTE) {
    const c = e.char.charCodeAt(0);
    HEAD[c] = word(parseRgb(e.rgb));
    TAIL[c] = word(tailRgb(e.rgb));
    DIMMED_HEAD[c] = word(grey(parseRgb(e.rgb), 0.75));
    DIMMED_TAIL[c] = word(grey(tailRgb(e.rgb), 0.75));
  }
}
const FREE = word(parseRgb(paletteEntry('.').rgb));
const NEW_HEAD = word(parseRgb(COLOUR_NEW));
const NEW_TAIL = word(parseRgb(COLOUR_NEW_TAIL));
const FREED = word(parseRgb(COLOUR_FREED));
const TOO_SMALL = word(parseRgb(COLOUR_TOO_SMALL));

export interface PaintMode {
  /** Per block (areas end to end) from diffMaps: new blocks green, freed red, the rest dimmed. */
  diff?: Uint8Array | null;
  /** Free runs shorter than this many blocks are marked (a MemoryError's request). */
  tooSmallBelow?: number | null;
  /** Per block (areas end to end): its colour as an RGBA word, given (the map by source line). */
  blockColours?: Uint32Array | null;
}

/**
 * Paints the blocks of `joined` (areas end to end) into `pixels` (cols × totalRows words).
 * Tails take their head's colour, lightened.
 */
export function paintMap(
  joined: Uint8Array,
  layout: MapLayout,
  pixels: Uint32Array,
  mode: PaintMode = {},
): void {
  pixels.fill(BACKGROUND);
  const { diff, tooSmallBelow, blockColours } = mode;
  for (const area of layout.areas) {
    let px = area.row * layout.cols;
    const end = area.offset + area.blocks;
    let head = 0x68; // a tail with no head before it is drawn as "other"
    if (blockColours) {
      pixels.set(blockColours.subarray(area.offset, end), px);
    } else if (diff) {
      for (let b = area.offset; b < end; b++, px++) {
        const c = joined[b];
        const f = diff[b];
        if (c === CH_FREE) pixels[px] = f === DIFF_FREED ? FREED : FREE;
        else if (c === CH_TAIL) pixels[px] = f === DIFF_NEW ? NEW_TAIL : DIMMED_TAIL[head];
        else {
          head = c;
          pixels[px] = f === DIFF_NEW ? NEW_HEAD : DIMMED_HEAD[c];
        }
      }
    } else {
      for (let b = area.offset; b < end; b++, px++) {
        const c = joined[b];
        if (c === CH_FREE) pixels[px] = FREE;
        else if (c === CH_TAIL) pixels[px] = TAIL[head];
        else {
          head = c;
          pixels[px] = HEAD[c];
        }
      }
    }
    if (tooSmallBelow && tooSmallBelow > 1) {
      px = area.row * layout.cols;
      let run = 0;
      for (let b = area.offset; b <= end; b++) {
        if (b < end && joined[b] === CH_FREE) run++;
        else {
          if (run > 0 && run < tooSmallBelow) {
            const from = px + (b - area.offset) - run;
            pixels.fill(TOO_SMALL, from, from + run);
          }
          run = 0;
        }
      }
    }
  }
}
