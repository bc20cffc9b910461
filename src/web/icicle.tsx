/**
 * The icicle graph of the heap profile, drawn as SVG: the root (every allocation) on top, each
 * row one call deeper, each box as wide as what was allocated below it in the chosen measure.
 * Click a box to zoom into it (it spans the width; the way back up stays above it), click a box
 * above to zoom out; hover for the figures.
 */
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ProfileMeasure, ProfileNode } from '../analysis/profile-tree.js';
import { layoutIcicle } from './icicle-layout.js';

const ROW = 20;
/** The boxes' font: labels are cut to the width measured in it (style.css .icicle text). */
const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
const PAD = 4;

export interface IcicleProps {
  root: ProfileNode;
  measure: ProfileMeasure;
  /** The tooltip of a box, one line each (asked for the box under the pointer only). */
  describe: (n: ProfileNode) => string[];
  colour: (n: ProfileNode) => string;
  /** The text in a box (default: the node's label). */
  labelOf?: (n: ProfileNode) => string;
}

interface Hover {
  node: ProfileNode;
  x: number;
  y: number;
}

export function Icicle({ root, measure, describe, colour, labelOf }: IcicleProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [focusId, setFocusId] = useState(root.id);
  const [hover, setHover] = useState<Hover | null>(null);

  useLayoutEffect(() => {
    const el = wrap.current!;
    const takeWidth = () => setWidth(Math.max(120, Math.floor(el.clientWidth)));
    takeWidth();
    const ro = new ResizeObserver(takeWidth);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // A new profile (the live page gets it at the end) keeps the zoom when the box is still there.
  const focus = useMemo(() => findNode(root, focusId) ?? root, [root, focusId]);
  const boxes = useMemo(
    () => (width > 0 ? layoutIcicle(focus, measure, width) : []),
    [focus, measure, width],
  );
  const rows = boxes.reduce((n, b) => Math.max(n, b.row + 1), 1);

  const at = (e: MouseEvent) => {
    const r = wrap.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  // Drawn again only when the boxes change, not on every move of the pointer (the tooltip).
  const drawn = useMemo(
    () =>
      boxes.map((b) => {
        const n = b.node;
        const text = fitLabel(labelOf ? labelOf(n) : n.label, b.w - 2 * PAD);
        return (
          // biome-ignore lint/a11y/useSemanticElements: a box of an SVG graph cannot be a <button>; it takes the role
          <g
            key={n.id}
            transform={`translate(${b.x.toFixed(2)},${b.row * ROW})`}
            class={`icicle-box${b.above ? ' above' : ''}${n === focus ? ' focus' : ''}`}
            data-testid="icicle-box"
            data-label={n.label}
            data-kind={n.kind}
            data-owner={n.owner}
            data-depth={n.depth}
            data-bytes={n.bytes}
            data-allocations={n.allocations}
            data-alive={n.aliveBytesAtEnd}
            role="button"
            tabIndex={0}
            aria-label={n.label}
            onClick={() => {
              setFocusId(n.id);
              setHover(null);
            }}
            onKeyDown={(e) => {
              if (e.key !== 'Enter' && e.key !== ' ') return;
              e.preventDefault();
              setFocusId(n.id);
            }}
            onMouseMove={(e) => setHover({ node: n, ...at(e) })}
            onMouseLeave={() => setHover(null)}
            // The keyboard gets the same figures as the pointer, below the box.
            onFocus={() => setHover({ node: n, x: b.x + 8, y: b.row * ROW + ROW / 2 })}
            onBlur={() => setHover(null)}
          >
            <rect width={Math.max(0.5, b.w - 1)} height={ROW - 1} rx={2} fill={colour(n)} />
            {text && (
              <text x={PAD} y={ROW / 2 + 4}>
                {text}
              </text>
            )}
          </g>
        );
      }),
    [boxes, focus, colour, labelOf],
  );

  return (
    <div class="icicle-wrap" ref={wrap}>
      {focus !== root && (
        <div class="icicle-zoom" data-testid="icicle-zoom">
          zoomed into <b>{focus.label}</b>; click a box above it to zoom out, or{' '}
          <button type="button" class="link" data-testid="icicle-reset" onClick={() => setFocusId(root.id)}>
            show all
          </button>
        </div>
      )}
      <svg
        class="icicle"
        width={width}
        height={rows * ROW}
        data-testid="icicle"
        data-focus={focus.label}
        aria-label={`icicle graph of the heap profile, showing ${focus.label}`}
      >
        {drawn}
      </svg>
      {hover && (
        <div
          class="tooltip icicle-tooltip"
          data-testid="icicle-tooltip"
          style={
            hover.x > width - 340
              ? { right: `${Math.max(0, width - hover.x + 14)}px`, top: `${hover.y + 16}px` }
              : { left: `${hover.x + 14}px`, top: `${hover.y + 16}px` }
          }
        >
          {describe(hover.node).map((l, i) => (
            <div key={`${i}:${l}`} class={i === 0 ? 'tip-title' : ''}>
              {l}
            </div>
          ))}
          <div class="tip-hint">
            {hover.node === focus
              ? hover.node.parent
                ? 'zoomed in here; click a box above to zoom out'
                : 'the whole run'
              : hover.node.kind === 'root' || boxes.find((b) => b.node === hover.node)?.above
                ? 'click to zoom out to here'
                : 'click to zoom in'}
          </div>
        </div>
      )}
    </div>
  );
}

function findNode(n: ProfileNode, id: string): ProfileNode | null {
  if (n.id === id) return n;
  if (!id.startsWith(`${n.id}/`)) return null;
  for (const c of n.children) {
    const hit = findNode(c, id);
    if (hit) return hit;
  }
  return null;
}

let measureCtx: CanvasRenderingContext2D | null = null;
const widths = new Map<string, number>();

function textWidth(s: string): number {
  let w = widths.get(s);
  if (w === undefined) {
    measureCtx ??= document.createElement('canvas').getContext('2d');
    if (!measureCtx) return s.length * 6.5;
    measureCtx.font = FONT;
    w = measureCtx.measureText(s).width;
    if (widths.size > 20_000) widths.clear();
    widths.set(s, w);
  }
  return w;
}

/** The label, or as much of it as fits with an ellipsis, or nothing when not even 3 characters fit. */
function fitLabel(label: string, room: number): string {
  if (room <= 0) return '';
  if (textWidth(label) <= room) return label;
  let lo = 0;
  let hi = label.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (textWidth(`${label.slice(0, mid)}…`) <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo >= 3 ? `${label.slice(0, lo)}…` : '';
}
