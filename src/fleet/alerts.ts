/**
 * `mpheap fleet --alert RULE`: rules over each device's figures, for cron and CI.
 *
 *   largestFree<2K   free<4K   fragmentation>0.5   freeTrend<-200   leak>50
 *   forecastHours<24   reboots>3   silentMinutes>30
 */
import { parseSize } from '../util/size.js';
import type { DeviceHealth } from './health.js';

export interface AlertRule {
  text: string;
  field: AlertField;
  op: '<' | '<=' | '>' | '>=';
  value: number;
}

export interface Alert {
  device: string;
  rule: string;
  value: number;
  message: string;
}

const FIELDS = {
  free: (d: DeviceHealth) => d.latest.free,
  largestFree: (d: DeviceHealth) => d.latest.largestFree,
  fragmentation: (d: DeviceHealth) => d.latest.fragmentation,
  freeTrend: (d: DeviceHealth) => d.freeTrendBytesPerHour,
  largestFreeTrend: (d: DeviceHealth) => d.largestFreeTrendBytesPerHour,
  leak: (d: DeviceHealth) => d.leakBytesPerHour,
  forecastHours: (d: DeviceHealth) => d.forecast?.hours ?? null,
  reboots: (d: DeviceHealth) => d.reboots,
  missing: (d: DeviceHealth) => d.missing,
  silentMinutes: (d: DeviceHealth, now: number) => (now - d.lastAt) / 60_000,
} as const;

export type AlertField = keyof typeof FIELDS;
const SIZES = new Set<AlertField>(['free', 'largestFree']);

/** Parses `FIELD OP VALUE`; a bad rule is an Error that says what would be right. */
export function parseAlertRule(text: string): AlertRule {
  const m = /^\s*([A-Za-z]+)\s*(<=|>=|<|>)\s*(\S+)\s*$/.exec(text);
  if (!m) throw new Error(`alert '${text}' is not FIELD<VALUE or FIELD>VALUE (e.g. largestFree<2K)`);
  const field = m[1] as AlertField;
  if (!(field in FIELDS))
    throw new Error(`alert '${text}': '${m[1]}' is not one of ${Object.keys(FIELDS).join(', ')}`);
  let value: number;
  if (SIZES.has(field)) value = parseSize(m[3]);
  else {
    value = Number(m[3]);
    if (!Number.isFinite(value)) throw new Error(`alert '${text}': '${m[3]}' is not a number`);
  }
  return { text: text.trim(), field, op: m[2] as AlertRule['op'], value };
}

/** Every device that breaks a rule; a figure the device cannot give breaks nothing. */
export function evaluateAlerts(
  devices: readonly DeviceHealth[],
  rules: readonly AlertRule[],
  now: number,
): Alert[] {
  const out: Alert[] = [];
  for (const d of devices)
    for (const r of rules) {
      const v = FIELDS[r.field](d, now);
      if (v === null) continue;
      const hit =
        r.op === '<' ? v < r.value : r.op === '<=' ? v <= r.value : r.op === '>' ? v > r.value : v >= r.value;
      if (hit)
        out.push({
          device: d.id,
          rule: r.text,
          value: v,
          message: `${d.id}: ${r.field} is ${Number.isInteger(v) ? v : v.toFixed(2)} (${r.text})`,
        });
    }
  return out;
}
