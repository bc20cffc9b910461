/**
 * The fleet dashboard: one self-contained HTML page (no script, inline SVG), written by
 * `mpheap fleet --html FILE`. The devices that need attention come first (alerts, a largest free
 * block already too small or soonest to be, leaks, silence); per device the latest figures and a
 * chart of free and largest free across samples with reboots marked; hovering a chart, a cell or
 * a reboot says what it shows. Fleet-wide, the tail of each figure that is bad: low free, high
 * fragmentation, the steepest fall.
 */
import type { Alert } from '../../fleet/alerts.js';
import type { DeviceHealth, FleetHealth, Percentiles } from '../../fleet/health.js';
import type { StoredSample } from '../../fleet/store.js';
import { escapeHtml } from '../../util/text.js';

export interface FleetPageOptions {
  title: string;
  /** Where the records came from (shown under the title; no password). */
  source: string;
  /** The size the forecast watches the largest free block for, in bytes. */
  below: number;
  alerts: Alert[];
}

const bytes = (n: number | null) => (n === null ? '–' : n.toLocaleString('en-US'));
const rate = (n: number | null) =>
  n === null ? '–' : `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(Math.round(n)).toLocaleString('en-US')}`;
const pct = (n: number | null) => (n === null ? '–' : `${Math.round(n * 100)}%`);

/** 3 min, 5.2 h, 12 days: how long until, or since. */
export function duration(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${Math.round(hours / 24).toLocaleString('en-US')} days`;
}

/** Higher is more urgent: an alert, then the forecast, then a leak, then silence. */
function urgency(d: DeviceHealth, alerts: number, silent: boolean): number {
  let u = alerts * 1e6;
  if (d.forecast?.already) u += 5e5;
  else if (d.forecast?.hours != null) u += 4e5 / (1 + d.forecast.hours);
  if (d.leak) u += 1e5;
  if (silent) u += 5e4;
  return u;
}

function chart(d: DeviceHealth, samples: StoredSample[]): string {
  const w = 260;
  const h = 56;
  // A point per 2 pixels at most (a fleet's page stays a few MB): each keeps the lowest free and
  // largest free of the samples it stands for, so a dip is never averaged away.
  const per = Math.max(1, Math.ceil(samples.length / (w / 2)));
  const pts: { free: number; largest: number | null; total: number; boot: number; reset: string | null }[] =
    [];
  for (let i = 0; i < samples.length; i += per) {
    const group = samples.slice(i, i + per);
    let free = Number.POSITIVE_INFINITY;
    let largest: number | null = null;
    for (const s of group) {
      free = Math.min(free, s.free);
      if (s.largestFree !== null)
        largest = largest === null ? s.largestFree : Math.min(largest, s.largestFree);
    }
    pts.push({
      free,
      largest,
      total: group[0].free + group[0].used,
      boot: group[0].boot,
      reset: group[0].reset,
    });
  }
  let top = 1;
  for (const p of pts) top = Math.max(top, p.total);
  const x = (i: number) => Math.round(pts.length < 2 ? w / 2 : (i / (pts.length - 1)) * w);
  const y = (v: number) => Math.round(h - 2 - (v / top) * (h - 4));
  const line = (vals: (number | null)[], cls: string) => {
    const d = vals
      .map((v, i) => (v === null ? null : `${x(i)},${y(v)}`))
      .filter(Boolean)
      .join(' ');
    return d ? `<polyline class="${cls}" points="${d}"/>` : '';
  };
  const reboots = pts
    .map((p, i) =>
      i > 0 && p.boot !== pts[i - 1].boot
        ? `<line class="reboot" x1="${x(i)}" x2="${x(i)}" y1="0" y2="${h}"><title>reboot: boot ${p.boot}, ${escapeHtml(p.reset ?? 'cause unknown')}</title></line>`
        : '',
    )
    .join('');
  const boots = d.boots;
  const summary = [
    `${d.samples.toLocaleString('en-US')} samples in ${boots.length} boot${boots.length === 1 ? '' : 's'}` +
      `${per > 1 ? ` (each point: the lowest of ${per})` : ''}`,
    `heap ${bytes(top)} bytes (the chart's height)`,
    `free: lowest ${bytes(boots.reduce((m, b) => Math.min(m, b.minFree), Number.POSITIVE_INFINITY))}, now ${bytes(d.latest.free)}`,
    d.latest.largestFree === null
      ? 'largest free block: the board cannot say'
      : `largest free: lowest ${bytes(boots.reduce((m, b) => Math.min(m, b.minLargestFree ?? m), Number.POSITIVE_INFINITY))}, now ${bytes(d.latest.largestFree)}`,
  ].join('\n');
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="free and largest free of ${escapeHtml(d.id)} over its samples"><title>${escapeHtml(summary)}</title><rect class="frame" x="0" y="0" width="${w}" height="${h}"/>${reboots}${line(
    pts.map((p) => p.free),
    'free',
  )}${line(
    pts.map((p) => p.largest),
    'largest',
  )}</svg>`;
}

function forecastCell(d: DeviceHealth): string {
  const f = d.forecast;
  if (!f) return '<td title="the board does not report its largest free block">–</td>';
  if (f.already) return '<td class="bad" title="already below">now</td>';
  if (f.hours === null)
    return '<td title="the largest free block is not falling in the last boot">not falling</td>';
  const when = new Date(f.at ?? 0).toISOString().slice(0, 16).replace('T', ' ');
  return `<td class="${f.hours < 24 ? 'bad' : ''}" title="at the last boot's rate: ${when} UTC">${duration(f.hours)}</td>`;
}

/**
 * Silent: nothing for five of its usual intervals between records (the median of its last
 * ones), and at least 10 minutes: a board that stopped, lost its network, or hangs.
 */
export function isSilent(samples: readonly StoredSample[], lastAt: number, now: number): boolean {
  const at = samples
    .slice(-51)
    .map((s) => s.receivedAt)
    .sort((a, b) => a - b);
  const gaps = at.slice(1).map((t, i) => t - at[i]);
  gaps.sort((a, b) => a - b);
  const usual = gaps.length ? gaps[Math.floor(gaps.length / 2)] : 0;
  return now - lastAt > Math.max(10 * 60_000, 5 * usual);
}

/**
 * What the page draws from a device's samples: its chart and whether it went silent. Made while
 * that device's samples are at hand, so the page never needs the whole fleet's at once.
 */
export interface DeviceSketch {
  chart: string;
  silent: boolean;
}

export function deviceSketch(d: DeviceHealth, samples: StoredSample[], now: number): DeviceSketch {
  return { chart: chart(d, samples), silent: isSilent(samples, d.lastAt, now) };
}

function row(d: DeviceHealth, sketch: DeviceSketch, alerts: Alert[], now: number): string {
  const causes = Object.entries(d.resetCauses)
    .map(([c, n]) => `${escapeHtml(c)} ×${n}`)
    .join(', ');
  const silentH = (now - d.lastAt) / 3_600_000;
  const { silent } = sketch;
  const mine = alerts.filter((a) => a.device === d.id);
  const leak =
    (d.leak
      ? ` <span class="badge" title="what stays live after collections grows ${rate(d.leakBytesPerHour)} bytes an hour">leak</span>`
      : '') +
    (silent ? ' <span class="badge quiet" title="no record for much longer than usual">silent</span>' : '');
  const noTable = d.latest.largestFree === null ? ' title="the board cannot say"' : '';
  return `<tr data-device="${escapeHtml(d.id)}" class="${mine.length ? 'alert' : ''}">
<td class="id">${escapeHtml(d.id)}${leak}${mine.map((a) => `<div class="rule" title="${escapeHtml(a.message)}">${escapeHtml(a.rule)}</div>`).join('')}</td>
<td class="num">${bytes(d.latest.free)}</td><td class="num"${noTable}>${bytes(d.latest.largestFree)}</td>
<td class="num"${noTable}>${pct(d.latest.fragmentation)}</td><td class="num">${rate(d.freeTrendBytesPerHour)}</td>
<td class="num">${rate(d.leakBytesPerHour)}</td>${forecastCell(d)}
<td class="num">${d.reboots}</td><td>${causes}</td>
<td class="num" title="records stored${d.missing ? '; lost: sequence numbers that never arrived' : ''}">${d.samples.toLocaleString('en-US')}${d.missing ? `<div class="note">${d.missing.toLocaleString('en-US')} lost</div>` : ''}</td>
<td class="num${silent ? ' bad' : ''}" title="${new Date(d.lastAt).toISOString().slice(0, 19).replace('T', ' ')} UTC${silent ? ': silent for much longer than it usually is' : ''}">${duration(silentH)} ago</td>
<td>${sketch.chart}</td></tr>`;
}

/** A fleet-wide figure: the median and the bad tail (low or high, as the figure goes). */
function tailRow(name: string, v: Percentiles, badIsLow: boolean, fmt: (n: number | null) => string): string {
  const cells = badIsLow ? [v.p50, v.p10, v.p1, v.min] : [v.p50, v.p90, v.p99, v.max];
  return `<tr><th>${name}</th>${cells.map((c) => `<td class="num">${fmt(c)}</td>`).join('')}</tr>`;
}

export function fleetPage(
  health: FleetHealth,
  sketchOf: (device: string) => DeviceSketch,
  opts: FleetPageOptions,
): string {
  const f = health.fleet;
  const now = health.generatedAt;
  const alertsOf = new Map<string, number>();
  for (const a of opts.alerts) alertsOf.set(a.device, (alertsOf.get(a.device) ?? 0) + 1);
  const rank = new Map(
    health.devices.map((d) => [d.id, urgency(d, alertsOf.get(d.id) ?? 0, sketchOf(d.id).silent)]),
  );
  const devices = [...health.devices].sort(
    (a, b) => (rank.get(b.id) ?? 0) - (rank.get(a.id) ?? 0) || (a.id < b.id ? -1 : 1),
  );
  const generated = new Date(now).toISOString().slice(0, 16).replace('T', ' ');
  const alertList = opts.alerts.length
    ? `<ul class="alerts" data-testid="alert-list">${opts.alerts.map((a) => `<li>${escapeHtml(a.message)}</li>`).join('')}</ul>`
    : '';
  const body =
    devices.length === 0
      ? `<p class="empty" data-testid="empty">No records yet. Start <code>mpheap collect</code> and an agent: the devices appear here once their first record is stored.</p>`
      : `<p class="legend"><span><i style="background:#2f6fdf"></i>free</span><span><i style="background:#2e9d5b"></i>largest free block (the largest allocation that can succeed)</span><span><i class="dash"></i>reboot</span> · most urgent first · hover a chart or a cell for more</p>
<div class="scroll"><table data-testid="devices-table"><thead><tr><th>device</th><th class="num">free<br>(B)</th><th class="num">largest<br>free (B)</th><th class="num">frag-<br>mented</th><th class="num">free trend<br>(B/h)</th><th class="num">leak<br>(B/h)</th><th>largest free<br>&lt; ${bytes(opts.below)} B in</th><th class="num">re-<br>boots</th><th>reset<br>causes</th><th class="num">samples</th><th class="num">last<br>record</th><th>free and largest free,<br>all samples</th></tr></thead>
<tbody>${devices.map((d) => row(d, sketchOf(d.id), opts.alerts, now)).join('\n')}</tbody></table></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(opts.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:0 0 4px}.sub{color:#5b6475;margin-bottom:16px}
table{border-collapse:collapse;background:#fff}th,td{padding:6px 10px;border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:middle}
td{white-space:nowrap}thead th{vertical-align:bottom}
th{font-weight:600;color:#3a4252;background:#f1f3f6}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.summary{display:flex;gap:16px;margin-bottom:16px;flex-wrap:wrap;align-items:flex-start}.card{background:#fff;border:1px solid #e3e6eb;padding:10px 14px;border-radius:6px}
.card b{display:block;font-size:22px}.card.hot b{color:#d4380d}
tr.alert td.id{border-left:4px solid #d4380d}.rule{color:#d4380d;font-size:12px}.note{color:#8a6100;font-size:12px}
.bad{color:#d4380d;font-weight:600}.badge{background:#d4380d;color:#fff;border-radius:3px;padding:0 5px;font-size:11px}.badge.quiet{background:#8a6100}
.alerts{margin:0 0 16px;padding:8px 14px 8px 30px;background:#fff4f0;border:1px solid #f3c1b1;border-radius:6px;color:#8c2a0a}
.scroll{overflow-x:auto}svg{display:block}rect.frame{fill:#f7f8fa;stroke:#e3e6eb}
polyline{fill:none;stroke-width:1.5}polyline.free{stroke:#2f6fdf}polyline.largest{stroke:#2e9d5b}line.reboot{stroke:#d4380d;stroke-width:1.5;stroke-dasharray:3 2}
.legend{color:#5b6475}.legend span{margin-right:14px;color:#1d2330}.legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
.legend i.dash{background:repeating-linear-gradient(90deg,#d4380d 0 3px,transparent 3px 5px)}
.empty{background:#fff;border:1px solid #e3e6eb;border-radius:6px;padding:16px}
</style></head><body>
<h1>${escapeHtml(opts.title)}</h1>
<div class="sub">${escapeHtml(opts.source)} · ${f.devices.toLocaleString('en-US')} devices, ${f.samples.toLocaleString('en-US')} samples · generated ${generated} UTC</div>
<div class="summary">
<div class="card" data-testid="devices"><b>${f.devices.toLocaleString('en-US')}</b>devices</div>
<div class="card${opts.alerts.length ? ' hot' : ''}" data-testid="alerts"><b>${opts.alerts.length}</b>alerts</div>
<div class="card${f.leaking ? ' hot' : ''}" data-testid="leaking"><b>${f.leaking}</b>leaking</div>
<div class="card" data-testid="reboots"><b>${f.reboots}</b>reboots</div>
<table class="card" data-testid="percentiles"><tr><th>latest, across devices</th><th class="num">median</th><th class="num">worst 10%</th><th class="num">worst 1%</th><th class="num">worst</th></tr>
${tailRow('free (B)', f.free, true, bytes)}${tailRow('largest free (B)', f.largestFree, true, bytes)}${tailRow('fragmentation', f.fragmentation, false, pct)}${tailRow('free trend (B/h)', f.freeTrendBytesPerHour, true, rate)}
</table></div>
${alertList}${body}
</body></html>
`;
}
