/** The heap map panel: the canvas, zoom buttons, and what is under the pointer. */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { PackedSnapshot } from '../views/report/format.js';
import { freeRunAt, objectAt } from './heap-figures.js';
import { MapCanvas } from './map-canvas.js';
import type { PaintMode } from './map-paint.js';
import { address, bytes, count, typeName } from './text.js';

export interface MapViewProps {
  snapshot: PackedSnapshot;
  maps: Uint8Array[];
  joined: Uint8Array;
  mode: PaintMode;
  onCanvas?: (c: MapCanvas) => void;
  /** More lines for the block under the pointer (the line that made it, with a profile). */
  describeMore?: (area: number, block: number) => string[];
}

interface Hover {
  x: number;
  y: number;
  lines: string[];
}

/** What a block is, in words: one line per fact. */
export function describeBlock(
  snapshot: PackedSnapshot,
  maps: Uint8Array[],
  area: number,
  block: number,
): string[] {
  const a = snapshot.areas[area];
  const map = maps[area];
  const bs = snapshot.blockSize;
  const offset = block * bs;
  const addr = address(a.base, offset);
  const lines = [
    `block ${count(block)}${snapshot.areas.length > 1 ? ` of area ${area + 1}` : ''}`,
    `offset 0x${offset.toString(16)}${addr ? `, address ${addr}` : ''}`,
  ];
  const obj = objectAt(map, block);
  if (obj) {
    const char = String.fromCharCode(obj.char);
    lines.push(
      `${typeName(char)} (${char}), ${count(obj.length)} block${obj.length > 1 ? 's' : ''} = ${bytes(obj.length * bs)}`,
      obj.start === block ? 'head of the object' : `tail; object starts at block ${count(obj.start)}`,
    );
  } else {
    const run = freeRunAt(map, block)!;
    lines.push(
      `free: in a hole of ${count(run.length)} block${run.length > 1 ? 's' : ''} = ${bytes(run.length * bs)}`,
      `hole: blocks ${count(run.start)}–${count(run.start + run.length - 1)}`,
    );
  }
  return lines;
}

export function MapView({ snapshot, maps, joined, mode, onCanvas, describeMore }: MapViewProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const mc = useRef<MapCanvas | null>(null);
  const drag = useRef<{ y: number; row: number } | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [, setZoom] = useState(0);

  useLayoutEffect(() => {
    mc.current = new MapCanvas(ref.current!);
    onCanvas?.(mc.current);
  }, []);

  useLayoutEffect(() => {
    const labels = snapshot.areas.map(
      (a, i) => `area ${i + 1} from ${a.base}: ${count(a.blocks)} blocks of ${snapshot.blockSize} bytes`,
    );
    mc.current!.setBlocks(
      joined,
      snapshot.areas.map((a) => a.blocks),
      labels,
      mode,
    );
    setZoom(mc.current!.cell);
    // Another snapshot (arrow keys, the timeline) under a pointer that did not move: the tooltip
    // says what is under it now, not what was there in the snapshot it was drawn for.
    setHover((h) => (h ? hoverAt(h.x, h.y) : null));
  }, [joined, mode.diff, mode.tooSmallBelow, mode.blockColours, snapshot]);

  const at = (e: MouseEvent) => {
    const r = ref.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const onMove = (e: MouseEvent) => {
    const c = mc.current!;
    const p = at(e);
    if (drag.current) {
      c.scrollRow = drag.current.row - (p.y - drag.current.y) / c.cell;
      c.pan(0);
      return;
    }
    setHover(hoverAt(p.x, p.y));
  };

  /** The tooltip for a pointer at (x, y) over the map as it is drawn now. */
  const hoverAt = (x: number, y: number): Hover | null => {
    const hit = mc.current!.hit(x, y);
    return hit
      ? {
          x,
          y,
          lines: [
            ...describeBlock(snapshot, maps, hit.area, hit.block),
            ...(describeMore?.(hit.area, hit.block) ?? []),
          ],
        }
      : null;
  };

  const onWheel = (e: WheelEvent) => {
    const c = mc.current!;
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) c.zoom(e.deltaY < 0 ? 1 : -1, at(e).y);
    else c.pan(e.deltaY / c.cell);
    setZoom(c.cell + c.scrollRow);
  };

  const zoomBy = (step: number) => {
    mc.current!.zoom(step);
    setZoom(mc.current!.cell);
  };

  return (
    <section class="panel map-panel">
      <div class="panel-head">
        <h2>Heap map</h2>
        <span class="hint">hover a block; wheel or drag to pan, Ctrl+wheel or the buttons to zoom</span>
        <span class="zoom">
          <button type="button" onClick={() => zoomBy(-1)} title="zoom out" data-testid="zoom-out">
            −
          </button>
          <span data-testid="cell-size">{mc.current?.cell ?? '?'} px/block</span>
          <button type="button" onClick={() => zoomBy(1)} title="zoom in" data-testid="zoom-in">
            +
          </button>
          <button
            type="button"
            onClick={() => {
              mc.current!.fit();
              setZoom(-mc.current!.cell);
            }}
          >
            fit
          </button>
        </span>
      </div>
      <div class="map-wrap">
        <canvas
          ref={ref}
          data-testid="heap-map"
          onMouseMove={onMove}
          onMouseLeave={() => {
            setHover(null);
            drag.current = null;
          }}
          onMouseDown={(e) => {
            drag.current = { y: at(e).y, row: mc.current!.scrollRow };
          }}
          onMouseUp={() => {
            drag.current = null;
          }}
          onWheel={onWheel}
        />
        {hover && (
          <div
            class="tooltip"
            style={{ left: `${hover.x + 14}px`, top: `${hover.y + 14}px` }}
            data-testid="tooltip"
          >
            {hover.lines.map((l) => (
              <div key={l}>{l}</div>
            ))}
          </div>
        )}
      </div>
    </section>
  );
}
