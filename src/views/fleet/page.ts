/**
 * The fleet dashboard: one self-contained HTML page (no script, inline SVG), written by
 * `mpheap fleet --html FILE`. Per device a row with the latest figures and a chart of free and
 * largest free across samples, reboots drawn as vertical lines; fleet percentiles on top.
 */
import type { Alert } from '../../fleet/alerts.js';
import type { DeviceHealth, FleetHealth } from '../../fleet/health.js';
import type { StoredSample } from '../../fleet/store.js';

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
const bytes = (n: number | null) => (n === null ? '–' : n.toLocaleString('en-US'));
const rate = (n: number | null) =>
  n === null ? '–' : `${n >= 0 ? '+' : ''}${Math.round(n).toLocaleString('en-US')}`;
const pct = (n: number | null) => (n === null ? '–' : `${Math.round(n * 100)}%`);

/** Free (blue) and largest free (green) over the samples, at most 300 points; reboots as lines. */
function chart(samples: StoredSample[]): string {
  const w = 360;
  const h = 60;
  const step = Math.max(1, Math.ceil(samples.length / 300));
  const pts = samples.filter((_, i) => i % step === 0 || i === samples.length - 1);
  const top = Math.max(1, ...pts.map((s) => s.free + s.used));
  const x = (i: number) => (pts.length < 2 ? w / 2 : (i / (pts.length - 1)) * w).toFixed(1);
  const y = (v: number) => (h - (v / top) * h).toFixed(1);
  const line = (vals: (number | null)[], cls: string) => {
    const d = vals
      .map((v, i) => (v === null ? null : `${x(i)},${y(v)}`))
      .filter(Boolean)
      .join(' ');
    return d ? `<polyline class="${cls}" points="${d}"/>` : '';
  };
  const reboots = pts
    .map((s, i) =>
      i > 0 && s.boot !== pts[i - 1].boot
        ? `<line class="reboot" x1="${x(i)}" x2="${x(i)}" y1="0" y2="${h}"/>`
        : '',
    )
    .join('');
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="free and largest free over time">${reboots}${line(
    pts.map((s) => s.free),
    'free',
  )}${line(
    pts.map((s) => s.largestFree),
    'largest',
  )}</svg>`;
}

function row(d: DeviceHealth, samples: StoredSample[], alerts: Alert[]): string {
  const causes = Object.entries(d.resetCauses)
    .map(([c, n]) => `${esc(c)} ×${n}`)
    .join(', ');
  const forecast = d.forecast
    ? d.forecast.already
      ? `<b>below ${bytes(d.forecast.below)} now</b>`
      : d.forecast.hours === null
        ? 'not falling'
        : `${d.forecast.hours.toFixed(1)} h`
    : '–';
  const mine = alerts.filter((a) => a.device === d.id);
  return `<tr data-device="${esc(d.id)}" class="${mine.length ? 'alert' : ''}">
<td class="id">${esc(d.id)}${d.leak ? ' <span class="badge">leak</span>' : ''}${mine.map((a) => `<div class="rule">${esc(a.rule)}</div>`).join('')}</td>
<td class="num">${bytes(d.latest.free)}</td><td class="num">${bytes(d.latest.largestFree)}</td>
<td class="num">${pct(d.latest.fragmentation)}</td><td class="num">${rate(d.freeTrendBytesPerHour)}</td>
<td class="num">${rate(d.leakBytesPerHour)}</td><td>${forecast}</td>
<td class="num">${d.reboots}</td><td>${causes}</td><td class="num">${d.samples}${d.missing ? ` (${d.missing} missing)` : ''}</td>
<td>${chart(samples)}</td></tr>`;
}

export function fleetPage(
  health: FleetHealth,
  samplesOf: (device: string) => StoredSample[],
  alerts: Alert[],
  title: string,
): string {
  const f = health.fleet;
  const p = (
    name: string,
    v: { p50: number | null; p90: number | null; p99: number | null },
    fmt: (n: number | null) => string,
  ) => `<tr><th>${name}</th><td>${fmt(v.p50)}</td><td>${fmt(v.p90)}</td><td>${fmt(v.p99)}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:0 0 4px}.sub{color:#5b6475;margin-bottom:16px}
table{border-collapse:collapse;background:#fff}th,td{padding:6px 10px;border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:middle}
th{font-weight:600;color:#3a4252;background:#f1f3f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.summary{display:flex;gap:24px;margin-bottom:20px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e3e6eb;padding:10px 14px;border-radius:6px}
.card b{display:block;font-size:22px}tr.alert td.id{border-left:4px solid #d4380d}.rule{color:#d4380d;font-size:12px}
.badge{background:#d4380d;color:#fff;border-radius:3px;padding:0 5px;font-size:11px}
polyline{fill:none;stroke-width:1.5}polyline.free{stroke:#2f6fdf}polyline.largest{stroke:#2e9d5b}line.reboot{stroke:#d4380d;stroke-dasharray:3 2}
.legend span{margin-right:14px}.legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
</style></head><body>
<h1>${esc(title)}</h1>
<div class="sub">${f.devices} devices, ${f.samples.toLocaleString('en-US')} samples, generated ${new Date(health.generatedAt).toISOString()}</div>
<div class="summary">
<div class="card" data-testid="devices"><b>${f.devices}</b>devices</div>
<div class="card" data-testid="reboots"><b>${f.reboots}</b>reboots</div>
<div class="card" data-testid="leaking"><b>${f.leaking}</b>leaking</div>
<div class="card" data-testid="alerts"><b>${alerts.length}</b>alerts</div>
<table class="card" data-testid="percentiles"><tr><th>latest, across devices</th><th>p50</th><th>p90</th><th>p99</th></tr>
${p('free (bytes)', f.free, bytes)}${p('largest free (bytes)', f.largestFree, bytes)}${p('fragmentation', f.fragmentation, pct)}${p('free trend (bytes/h)', f.freeTrendBytesPerHour, rate)}
</table></div>
<p class="legend"><span><i style="background:#2f6fdf"></i>free</span><span><i style="background:#2e9d5b"></i>largest free block</span><span><i style="background:#d4380d"></i>reboot</span></p>
<table data-testid="devices-table"><thead><tr><th>device</th><th>free</th><th>largest free</th><th>fragm.</th><th>free trend B/h</th><th>leak B/h</th><th>largest &lt; ${bytes(health.devices[0]?.forecast?.below ?? null)} in</th><th>reboots</th><th>reset causes</th><th>samples</th><th>free and largest free, all samples</th></tr></thead>
<tbody>${health.devices.map((d) => row(d, samplesOf(d.id), alerts)).join('\n')}</tbody></table>
</body></html>
`;
}
