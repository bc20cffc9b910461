/**
 * `mpheap fleet` in the terminal: one row per device, then the fleet's bad tail and the alerts.
 *
 * A terminal narrower than the table loses whole columns, least telling first (fragmentation,
 * the reset causes, the free trend, the sample count, the reboots), never a wrapped row: a device's figures
 * stay on one line, and a line under the table says what was left out and that --json has it.
 */
import pc from 'picocolors';
import type { Alert } from '../../fleet/alerts.js';
import type { DeviceHealth, FleetHealth, Percentiles } from '../../fleet/health.js';
import { formatBytes, formatSize } from '../../util/size.js';
import { plural } from '../../util/text.js';

export interface FleetTableOptions {
  color: boolean;
  /** The terminal's width, or null (a pipe or a file): every column. */
  columns: number | null;
  /** The size the forecast watches the largest free block for (`--below`), in bytes. */
  below: number;
}

interface Column {
  head: string;
  /** Why it may go first: a lower number goes first; the rest never go. */
  dropOrder?: number;
  cell(d: DeviceHealth): string;
  left?: boolean;
}

const GAP = '  ';

export function fleetTable(health: FleetHealth, alerts: readonly Alert[], opts: FleetTableOptions): string {
  const c = pc.createColors(opts.color);
  const b = (n: number | null) => (n === null ? '-' : formatBytes(n));
  const rate = (n: number | null) => (n === null ? '-' : `${n >= 0 ? '+' : ''}${formatBytes(Math.round(n))}`);
  const all: Column[] = [
    { head: 'device', left: true, cell: (d) => d.id + (d.leak ? ' (leak)' : '') },
    { head: 'free', cell: (d) => b(d.latest.free) },
    { head: 'largest', cell: (d) => b(d.latest.largestFree) },
    {
      head: 'frag',
      dropOrder: 1,
      cell: (d) => (d.latest.fragmentation === null ? '-' : `${Math.round(d.latest.fragmentation * 100)}%`),
    },
    { head: 'free B/h', dropOrder: 3, cell: (d) => rate(d.freeTrendBytesPerHour) },
    { head: 'leak B/h', cell: (d) => rate(d.leakBytesPerHour) },
    { head: `<${formatSize(opts.below)} in`, cell: forecastCell },
    { head: 'reboots', dropOrder: 5, cell: (d) => formatBytes(d.reboots) },
    { head: 'resets', dropOrder: 2, left: true, cell: resetsCell },
    {
      head: 'samples',
      dropOrder: 4,
      cell: (d) => `${formatBytes(d.samples)}${d.missing ? ` -${formatBytes(d.missing)}` : ''}`,
    },
  ];
  const cells = (cols: Column[]) => health.devices.map((d) => cols.map((col) => col.cell(d)));
  const widthOf = (cols: Column[], rows: string[][]) =>
    cols.map((col, i) => Math.max(col.head.length, ...rows.map((r) => r[i].length)));
  const total = (widths: number[]) => widths.reduce((n, w) => n + w, 0) + GAP.length * (widths.length - 1);

  let cols = all;
  let rows = cells(cols);
  let widths = widthOf(cols, rows);
  const droppable = all
    .filter((col) => col.dropOrder !== undefined)
    .sort((x, y) => x.dropOrder! - y.dropOrder!);
  const dropped: string[] = [];
  while (opts.columns !== null && total(widths) > opts.columns && droppable.length > 0) {
    const gone = droppable.shift()!;
    dropped.push(gone.head);
    const keep = cols.map((col) => col !== gone);
    cols = cols.filter((_, i) => keep[i]);
    rows = rows.map((r) => r.filter((_, i) => keep[i]));
    widths = widths.filter((_, i) => keep[i]);
  }
  const line = (r: string[]) =>
    r
      .map((cell, i) => (cols[i].left ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join(GAP)
      .trimEnd();
  const out = [c.bold(line(cols.map((col) => col.head))), ...rows.map(line)];
  if (dropped.length > 0) out.push(c.dim(`(left out to fit: ${dropped.join(', ')}; --json has all)`));
  const f = health.fleet;
  // The tail that is bad: low free and largest free (worst 10 % and 1 % of the devices).
  const p = (v: Percentiles) =>
    `median ${b(v.p50)}  worst 10% ${b(v.p10)}  worst 1% ${b(v.p1)}  lowest ${b(v.min)}`;
  out.push(
    '',
    `${plural(f.devices, 'device')}, ${plural(f.samples, 'sample')}, ${plural(f.reboots, 'reboot')}, ${formatBytes(f.leaking)} leaking`,
    `free:          ${p(f.free)}`,
    `largest free:  ${p(f.largestFree)}`,
  );
  for (const a of alerts) out.push(c.red(`alert: ${a.message}`));
  return `${out.join('\n')}\n`;
}

function forecastCell(d: DeviceHealth): string {
  if (d.forecast === null) return '-';
  if (d.forecast.already) return 'now';
  return d.forecast.hours === null ? 'never' : `${d.forecast.hours.toFixed(1)} h`;
}

/** The reset cause of each boot seen (the first boot's included), counted. */
function resetsCell(d: DeviceHealth): string {
  return Object.entries(d.resetCauses)
    .map(([k, n]) => `${k}×${n}`)
    .join(' ');
}
