/**
 * The timeline: used, free and largest free block (bytes) and fragmentation (%) over the
 * snapshots, with the garbage collections between them, labels and MemoryErrors marked. Clicking or dragging on it selects a snapshot;
 * the selection is a plain line moved over the plot, so switching never redraws the series.
 */
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { snapshotFigures } from '../analysis/verdict.js';
import { plural } from '../util/text.js';
import type { PackedSnapshot } from '../views/report/format.js';

export interface TimelineProps {
  snapshots: PackedSnapshot[];
  /** Bumped when snapshots were added. */
  version: number;
  selected: number;
  memoryErrors: Set<number>;
  /** Garbage collections reported between snapshots (the board-faithful engine). */
  collections?: readonly CollectionPoint[];
  onSelect: (i: number) => void;
}

/** A garbage collection between snapshots: [afterSeq, usedBefore, usedAfter, largestFreeAfter]. */
export type CollectionPoint = [number, number, number, number];

/**
 * Figures per snapshot for the chart (header figures; a map-only snapshot counts its map), with
 * the collections between snapshots drawn into `used` and `largest free` as the sawtooth a
 * board's heap makes: up to the collection, down after it. Snapshot i stays at x = i; the
 * collections after it share the space up to i + 1.
 */
export function timelineSeries(
  snapshots: readonly PackedSnapshot[],
  collections: readonly CollectionPoint[] = [],
): uPlot.AlignedData {
  const between = new Map<number, CollectionPoint[]>();
  for (const c of collections) {
    const list = between.get(c[0]);
    if (list) list.push(c);
    else between.set(c[0], [c]);
  }
  const x: number[] = [];
  const used: (number | null)[] = [];
  const free: (number | null)[] = [];
  const largest: (number | null)[] = [];
  const frag: (number | null)[] = [];
  const point = (at: number, u: number | null, f: number | null, l: number | null, p: number | null) => {
    x.push(at);
    used.push(u);
    free.push(f);
    largest.push(l);
    frag.push(p);
  };
  // Collections are filed by the seq of the snapshot before them and drawn after its index: the
  // two differ on a live page that dropped its oldest snapshots.
  const collectionsAfter = (seq: number, index: number) => {
    const list = between.get(seq) ?? [];
    list.forEach((c, k) => {
      const at = index + (k + 1) / (list.length + 1);
      point(at - 1e-6, c[1], null, null, null);
      point(at, c[2], null, c[3], null);
    });
  };
  collectionsAfter(-1, -1);
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i];
    // The header's figures, as the verdict takes them (a map is not unpacked for the chart).
    const f = snapshotFigures({ ...s, areas: [], profile: undefined });
    point(
      i,
      f.usedBytes,
      f.freeBytes,
      f.largestFreeBytes,
      f.fragmentation === null ? null : 100 * f.fragmentation,
    );
    collectionsAfter(s.seq, i);
  }
  return [x, used, free, largest, frag];
}

/** The label, shortened with … to `room` pixels, or null when not even one character fits. */
function fitText(ctx: CanvasRenderingContext2D, label: string, room: number): string | null {
  if (ctx.measureText(label).width <= room) return label;
  let n = label.length - 1;
  while (n > 0 && ctx.measureText(`${label.slice(0, n)}…`).width > room) n--;
  return n > 0 ? `${label.slice(0, n)}…` : null;
}

export function Timeline({
  snapshots,
  version,
  selected,
  memoryErrors,
  collections = [],
  onSelect,
}: TimelineProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const line = useRef<HTMLDivElement | null>(null);
  const dragging = useRef(false);
  const props = useRef({ snapshots, memoryErrors, collections, onSelect });
  props.current = { snapshots, memoryErrors, collections, onSelect };

  useEffect(() => {
    const el = host.current!;
    const marks = (u: uPlot) => {
      const { snapshots: snaps, memoryErrors: errs } = props.current;
      const ctx = u.ctx;
      const top = u.bbox.top;
      const h = u.bbox.height;
      const right = u.bbox.left + u.bbox.width;
      const dpr = devicePixelRatio;
      // Label lines only while they stay apart; a label on every step would paint the plot grey.
      const labelled = snaps.reduce((n, s) => n + (s.label ? 1 : 0), 0);
      const showLabels = labelled * 6 <= u.bbox.width / dpr;
      const lines: { x: number; isErr: boolean; label: string | null }[] = [];
      for (let i = 0; i < snaps.length; i++) {
        const isErr = errs.has(i);
        const label = showLabels ? snaps[i].label : null;
        if (isErr || label) lines.push({ x: Math.round(u.valToPos(i, 'x', true)), isErr, label });
      }
      ctx.save();
      ctx.font = `${11 * dpr}px system-ui, sans-serif`;
      ctx.textBaseline = 'top';
      for (const l of lines) {
        ctx.fillStyle = l.isErr ? 'rgba(220,38,38,0.9)' : 'rgba(100,100,100,0.35)';
        ctx.fillRect(l.x, top, l.isErr ? 2 * dpr : dpr, h);
      }
      // Each label sits right of its line, within the room before the next marked line (or the
      // plot's right edge), shortened with … to fit; the last one may sit left of its line. A
      // label with no room for a few characters is left out rather than drawn over another.
      const gap = 4 * dpr;
      const minWidth = 36 * dpr;
      let lastLabelEnd = u.bbox.left;
      ctx.fillStyle = '#333';
      lines.forEach((l, k) => {
        if (!l.label) return;
        const next = k + 1 < lines.length ? lines[k + 1].x : right;
        const room = next - (l.x + 3 * dpr) - gap;
        const text = fitText(ctx, l.label, room);
        if (
          text !== null &&
          ctx.measureText(text).width >= Math.min(minWidth, ctx.measureText(l.label).width)
        ) {
          ctx.textAlign = 'left';
          ctx.fillText(text, l.x + 3 * dpr, top + 2 * dpr);
          lastLabelEnd = l.x + 3 * dpr + ctx.measureText(text).width + gap;
          return;
        }
        // No room on the right (the last line, near the edge): on the left, if that is free.
        const left = fitText(ctx, l.label, l.x - 3 * dpr - lastLabelEnd);
        if (k === lines.length - 1 && left !== null && ctx.measureText(left).width >= minWidth) {
          ctx.textAlign = 'right';
          ctx.fillText(left, l.x - 3 * dpr, top + 2 * dpr);
        }
      });
      ctx.restore();
    };
    const u = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: 220,
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        legend: { live: true },
        scales: { x: { time: false }, pct: { range: [0, 100] } },
        axes: [
          // Snapshots are whole numbers: ticks at 1, 2, 5, 10, 20, 50, …
          {
            label: 'snapshot',
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000],
          },
          { values: (_u, v) => v.map((b) => (b >= 1024 ? `${Math.round(b / 1024)}K` : String(b))) },
          { scale: 'pct', side: 1, grid: { show: false }, values: (_u, v) => v.map((p) => `${p}%`) },
        ],
        series: [
          { label: 'snapshot' },
          // Collections add points between snapshots where only some series have values.
          { label: 'used', stroke: '#e15759', width: 1.5, spanGaps: true },
          { label: 'free', stroke: '#59a14f', width: 1.5, spanGaps: true },
          { label: 'largest free', stroke: '#4e79a7', width: 1.5, spanGaps: true },
          { label: 'fragmentation', stroke: '#b07aa1', width: 1, dash: [4, 3], scale: 'pct', spanGaps: true },
        ],
        hooks: { draw: [marks] },
      },
      timelineSeries(props.current.snapshots, props.current.collections),
      el,
    );
    plot.current = u;
    const sel = document.createElement('div');
    sel.className = 'timeline-selection';
    u.over.appendChild(sel);
    line.current = sel;
    const pick = (e: MouseEvent) => {
      const n = props.current.snapshots.length;
      if (!n) return;
      const i = Math.round(u.posToVal(e.offsetX, 'x'));
      props.current.onSelect(Math.min(n - 1, Math.max(0, i)));
    };
    u.over.addEventListener('mousedown', (e) => {
      dragging.current = true;
      pick(e);
    });
    u.over.addEventListener('mousemove', (e) => dragging.current && pick(e));
    window.addEventListener('mouseup', () => {
      dragging.current = false;
    });
    const resize = () => u.setSize({ width: Math.max(300, el.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      u.destroy();
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(timelineSeries(snapshots, collections));
  }, [version, snapshots.length, collections.length]);

  useLayoutEffect(() => {
    const u = plot.current;
    if (!u || !line.current) return;
    line.current.style.left = `${u.valToPos(selected, 'x')}px`;
  }, [selected, version, snapshots.length]);

  return (
    <section class="panel">
      <div class="panel-head">
        <h2>Timeline</h2>
        <span class="hint">
          click or drag to pick a snapshot; ← → step; red lines are MemoryErrors
          {collectionsHint(collections.length)}
        </span>
      </div>
      <div ref={host} class="timeline" data-testid="timeline" />
    </section>
  );
}

/** The end of the timeline's hint: how many collections are drawn between the snapshots. */
export function collectionsHint(n: number): string {
  return n > 0 ? `; ${plural(n, 'collection')} drawn between snapshots` : '';
}
