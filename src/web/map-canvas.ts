/**
 * The heap map's canvas: paints the 1:1 block image (map-paint.ts) and shows part of it scaled
 * by the cell size. Zoom changes the cell size (and so how many blocks fit in a row); pan moves
 * the first row shown (wheel, drag, or the keyboard's PageUp/PageDown).
 */
import {
  blockAtCell,
  cellOfBlock,
  layoutMap,
  type MapLayout,
  type PaintMode,
  paintMap,
} from './map-paint.js';

export const CELL_SIZES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32];

export interface AreaLabel {
  text: string;
}

export class MapCanvas {
  cell = 8;
  scrollRow = 0;
  layout: MapLayout = layoutMap([], 1, 1);
  /** Time the last full paint (blocks → pixels → screen) took, ms. */
  lastPaintMs = 0;
  private joined: Uint8Array = new Uint8Array(0);
  private areaBlocks: number[] = [];
  private labels: string[] = [];
  private mode: PaintMode = {};
  private readonly image: HTMLCanvasElement;
  private imageData: ImageData | null = null;
  private fitted = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly maxHeight = 440,
  ) {
    this.image = document.createElement('canvas');
  }

  /** New blocks to show; keeps zoom and pan unless the areas changed. */
  setBlocks(joined: Uint8Array, areaBlocks: number[], labels: string[], mode: PaintMode): void {
    const sameAreas =
      areaBlocks.length === this.areaBlocks.length && areaBlocks.every((n, i) => n === this.areaBlocks[i]);
    this.joined = joined;
    this.labels = labels;
    this.mode = mode;
    if (!sameAreas || !this.fitted) {
      this.areaBlocks = areaBlocks;
      this.fit();
    } else {
      this.repaint();
    }
  }

  private width(): number {
    return Math.max(64, Math.floor(this.canvas.parentElement?.clientWidth ?? 800));
  }

  /** The largest cell size at which the whole heap fits (cell 1 and scrolling beyond that). */
  fit(): void {
    const width = this.width();
    const total = this.areaBlocks.reduce((n, b) => n + b, 0);
    this.cell = 1;
    for (const c of CELL_SIZES) {
      const l = layoutMap(this.areaBlocks, Math.floor(width / c), gapFor(c));
      if (l.totalRows * c <= this.maxHeight || total === 0) this.cell = c;
      else break;
    }
    this.fitted = true;
    this.scrollRow = 0;
    this.relayout();
  }

  /** Zoom in (+1) or out (−1), keeping the block at canvas y (or the top) in place. */
  zoom(step: number, anchorY = 0): void {
    const i = CELL_SIZES.indexOf(this.cell);
    const next = CELL_SIZES[Math.min(CELL_SIZES.length - 1, Math.max(0, i + step))];
    if (next === this.cell) return;
    const anchorRow = this.scrollRow + anchorY / this.cell;
    const at = blockAtCell(this.layout, 0, Math.floor(anchorRow));
    this.cell = next;
    this.relayout();
    if (at) {
      const { row } = cellOfBlock(this.layout, at.area, at.block);
      this.scrollRow = row - anchorY / this.cell;
    }
    this.clampScroll();
    this.draw();
  }

  pan(rows: number): void {
    this.scrollRow += rows;
    this.clampScroll();
    this.draw();
  }

  visibleRows(): number {
    return this.canvas.height / this.cell;
  }

  private clampScroll(): void {
    const max = Math.max(0, this.layout.totalRows - this.visibleRows());
    this.scrollRow = Math.min(max, Math.max(0, this.scrollRow));
  }

  private relayout(): void {
    const width = this.width();
    const cols = Math.max(1, Math.floor(width / this.cell));
    this.layout = layoutMap(this.areaBlocks, cols, gapFor(this.cell));
    this.canvas.width = cols * this.cell;
    this.canvas.height = Math.max(this.cell, Math.min(this.maxHeight, this.layout.totalRows * this.cell));
    this.image.width = cols;
    this.image.height = Math.max(1, this.layout.totalRows);
    this.imageData = null;
    this.clampScroll();
    this.repaint();
  }

  /** Blocks → pixels → screen. */
  repaint(): void {
    const t0 = performance.now();
    const { cols, totalRows } = this.layout;
    const ctx = this.image.getContext('2d')!;
    if (
      !this.imageData ||
      this.imageData.width !== cols ||
      this.imageData.height !== Math.max(1, totalRows)
    ) {
      this.imageData = ctx.createImageData(cols, Math.max(1, totalRows));
    }
    const pixels = new Uint32Array(this.imageData.data.buffer);
    if (this.joined.length === this.areaBlocks.reduce((n, b) => n + b, 0)) {
      paintMap(this.joined, this.layout, pixels, this.mode);
    }
    ctx.putImageData(this.imageData, 0, 0);
    this.draw();
    this.lastPaintMs = performance.now() - t0;
  }

  /** Screen only: the visible rows of the painted image, scaled. */
  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const { cell } = this;
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const first = Math.floor(this.scrollRow);
    const shift = (this.scrollRow - first) * cell;
    const rows = Math.min(this.layout.totalRows - first, Math.ceil(this.canvas.height / cell) + 1);
    if (rows > 0) {
      ctx.drawImage(
        this.image,
        0,
        first,
        this.layout.cols,
        rows,
        0,
        -shift,
        this.layout.cols * cell,
        rows * cell,
      );
    }
    if (cell >= 6) this.drawGrid(ctx, first, rows, shift);
    this.drawLabels(ctx);
  }

  /** Thin white lines between cells, so single blocks can be told apart when zoomed in. */
  private drawGrid(ctx: CanvasRenderingContext2D, first: number, rows: number, shift: number): void {
    ctx.fillStyle = 'rgba(255,255,255,0.9)';
    const { cols } = this.layout;
    for (let c = 0; c <= cols; c++) ctx.fillRect(c * this.cell, 0, 1, this.canvas.height);
    for (let r = 0; r <= rows; r++) ctx.fillRect(0, r * this.cell - shift, cols * this.cell, 1);
    void first;
  }

  private drawLabels(ctx: CanvasRenderingContext2D): void {
    const gapPx = this.layout.gap * this.cell;
    if (gapPx < 10) return;
    ctx.fillStyle = '#444';
    ctx.font = `${Math.min(12, gapPx - 2)}px system-ui, sans-serif`;
    ctx.textBaseline = 'bottom';
    this.layout.areas.forEach((a, i) => {
      const y = (a.row - this.scrollRow) * this.cell - 1;
      if (y > 0 && y < this.canvas.height + gapPx) ctx.fillText(this.labels[i] ?? '', 2, y);
    });
  }

  /** The block under a canvas position. */
  hit(x: number, y: number): { area: number; block: number } | null {
    const col = Math.floor(x / this.cell);
    const row = Math.floor(this.scrollRow + y / this.cell);
    return blockAtCell(this.layout, col, row);
  }

  /** Canvas position of a block's centre (tests and the MemoryError panel use it). */
  centreOf(area: number, block: number): { x: number; y: number } {
    const { col, row } = cellOfBlock(this.layout, area, block);
    return { x: (col + 0.5) * this.cell, y: (row - this.scrollRow + 0.5) * this.cell };
  }
}

/** Blank rows above each area: enough for a 12-pixel label. */
function gapFor(cell: number): number {
  return Math.max(1, Math.ceil(14 / cell));
}
