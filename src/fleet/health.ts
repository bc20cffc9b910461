/**
 * The fleet view's figures, from stored samples alone (browser-safe, no I/O): per device the
 * latest heap, trends within and across boots, a leak verdict, a forecast of when the largest
 * free block falls below a size, reboots and their causes; fleet-wide percentiles.
 *
 * Time within a boot is the board's own uptime, so a collector that was down, or records that
 * arrive late, do not bend the trends. A device's trend is the average of its boots' slopes,
 * each weighted by how long that boot was watched: a reboot resets the heap, and a slope drawn
 * across it would measure the reboot, not the heap.
 */
import type { StoredSample } from './store.js';

export interface Trend {
  /** Change per hour of uptime (least squares), or null with fewer than 2 samples an hour apart. */
  perHour: number | null;
  /** How well a straight line explains it (R², 0 to 1), or null. */
  fit: number | null;
}

export interface BootHealth {
  boot: number;
  reset: string | null;
  samples: number;
  /** Sample numbers the device sent that never arrived (gaps in seq). */
  missing: number;
  firstAt: number;
  lastAt: number;
  uptimeS: number;
  minFree: number;
  minLargestFree: number | null;
  freeTrendBytesPerHour: number | null;
  largestFreeTrendBytesPerHour: number | null;
}

export interface DeviceHealth {
  id: string;
  samples: number;
  /** Boots seen after the first one. */
  reboots: number;
  /** How many boots started with each reset cause (`unknown` where the board could not say). */
  resetCauses: Record<string, number>;
  missing: number;
  firstAt: number;
  lastAt: number;
  /** The newest record's figures, with its fragmentation and when it was stored. */
  latest: Pick<
    StoredSample,
    'boot' | 'seq' | 'uptimeS' | 'free' | 'used' | 'largestFree' | 'oneBlocks' | 'twoBlocks'
  > & { fragmentation: number | null; at: number };
  freeTrendBytesPerHour: number | null;
  largestFreeTrendBytesPerHour: number | null;
  fragmentationTrendPerHour: number | null;
  /** Growth of what stays live after collections, per hour; null when it cannot be told. */
  leakBytesPerHour: number | null;
  leak: boolean;
  /** When the largest free block is expected to fall below `forecastBelow` at the current rate. */
  forecast: { below: number; hours: number | null; at: number | null; already: boolean } | null;
  boots: BootHealth[];
}

/**
 * Nearest-rank percentiles across devices. Both tails are there because which one is bad
 * depends on the figure: low free or largest free and a falling trend (p10, p1, min), high
 * fragmentation (p90, p99, max).
 */
export interface Percentiles {
  p1: number | null;
  p10: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  min: number | null;
  max: number | null;
}

export interface FleetHealth {
  generatedAt: number;
  devices: DeviceHealth[];
  fleet: {
    devices: number;
    samples: number;
    reboots: number;
    leaking: number;
    free: Percentiles;
    largestFree: Percentiles;
    fragmentation: Percentiles;
    freeTrendBytesPerHour: Percentiles;
  };
}

export interface HealthOptions {
  /** The size the forecast watches the largest free block for (bytes). Default 1024. */
  forecastBelow?: number;
  now?: number;
}

const HOUR = 3600;

/** Least-squares slope per hour of ys over xs (seconds). */
export function trend(xs: readonly number[], ys: readonly number[]): Trend {
  const n = xs.length;
  if (n < 2) return { perHour: null, fit: null };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0) return { perHour: null, fit: null };
  const slope = sxy / sxx;
  return { perHour: slope * HOUR, fit: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Math.min over a field, in a loop: spreading a long boot's samples as arguments overflows the stack. */
function minOf<T>(items: readonly T[], f: (x: T) => number): number {
  let m = Number.POSITIVE_INFINITY;
  for (const x of items) m = Math.min(m, f(x));
  return m;
}

function maxOf<T>(items: readonly T[], f: (x: T) => number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of items) m = Math.max(m, f(x));
  return m;
}

function fragmentationOf(s: { free: number; largestFree: number | null }): number | null {
  if (s.largestFree === null) return null;
  return s.free > 0 ? Math.max(0, 1 - s.largestFree / s.free) : 0;
}

/** The boots' slopes, averaged with each boot weighted by the uptime it covers. */
function acrossBoots(parts: { perHour: number | null; spanS: number }[]): number | null {
  let w = 0;
  let sum = 0;
  for (const p of parts)
    if (p.perHour !== null && p.spanS > 0) {
      w += p.spanS;
      sum += p.perHour * p.spanS;
    }
  return w > 0 ? sum / w : null;
}

/** One device's samples, ordered by boot and seq → its health. */
export function deviceHealth(id: string, samples: StoredSample[], below: number): DeviceHealth {
  const byBoot = new Map<number, StoredSample[]>();
  for (const s of samples) {
    const list = byBoot.get(s.boot);
    if (list) list.push(s);
    else byBoot.set(s.boot, [s]);
  }
  const boots: BootHealth[] = [];
  const freeParts: { perHour: number | null; spanS: number }[] = [];
  const largestParts: { perHour: number | null; spanS: number }[] = [];
  const fragParts: { perHour: number | null; spanS: number }[] = [];
  const leakParts: { perHour: number | null; spanS: number; fit: number | null; rise: number }[] = [];
  const resetCauses: Record<string, number> = {};
  let missing = 0;
  for (const [boot, list] of [...byBoot].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.seq - b.seq);
    const t = list.map((s) => s.uptimeS);
    const spanS = t[t.length - 1] - t[0];
    const withLargest = list.filter((s) => s.largestFree !== null);
    const free = trend(
      t,
      list.map((s) => s.free),
    );
    const largest = trend(
      withLargest.map((s) => s.uptimeS),
      withLargest.map((s) => s.largestFree as number),
    );
    const frag = trend(
      withLargest.map((s) => s.uptimeS),
      withLargest.map((s) => fragmentationOf(s) as number),
    );
    // A leak is growth that stays after collections: the samples taken right after one (the
    // agent collects first by default), else the lowest `used` of each stretch of samples.
    const collected = list.filter((s) => s.collected);
    const base = collected.length >= 3 ? collected : lowerEnvelope(list);
    const leak = trend(
      base.map((s) => s.uptimeS),
      base.map((s) => s.used),
    );
    // seq counts from 0 at every boot: the numbers below the last one that never arrived.
    const bootMissing = list[list.length - 1].seq + 1 - list.length;
    missing += bootMissing;
    const cause = list[0].reset ?? 'unknown';
    resetCauses[cause] = (resetCauses[cause] ?? 0) + 1;
    freeParts.push({ perHour: free.perHour, spanS });
    largestParts.push({ perHour: largest.perHour, spanS });
    fragParts.push({ perHour: frag.perHour, spanS });
    leakParts.push({
      perHour: leak.perHour,
      spanS,
      fit: leak.fit,
      rise: base.length > 1 ? base[base.length - 1].used - base[0].used : 0,
    });
    boots.push({
      boot,
      reset: list[0].reset,
      samples: list.length,
      missing: bootMissing,
      firstAt: minOf(list, (s) => s.receivedAt),
      lastAt: maxOf(list, (s) => s.receivedAt),
      uptimeS: t[t.length - 1],
      minFree: minOf(list, (s) => s.free),
      minLargestFree: withLargest.length ? minOf(withLargest, (s) => s.largestFree as number) : null,
      freeTrendBytesPerHour: free.perHour,
      largestFreeTrendBytesPerHour: largest.perHour,
    });
  }
  const lastBoot = byBoot.get(boots[boots.length - 1].boot) as StoredSample[];
  const last = lastBoot[lastBoot.length - 1];
  const leakBytesPerHour = acrossBoots(leakParts);
  // A leak: live data that grows in most of the watched time, along a line, by more than noise.
  const leak =
    leakBytesPerHour !== null &&
    leakBytesPerHour > 0 &&
    leakParts.some((p) => p.perHour !== null && p.perHour > 0 && (p.fit ?? 0) >= 0.5 && p.rise >= 64);
  const largestNow = last.largestFree;
  const lastLargest = boots[boots.length - 1].largestFreeTrendBytesPerHour;
  let forecast: DeviceHealth['forecast'] = null;
  if (largestNow !== null) {
    if (largestNow < below) forecast = { below, hours: 0, at: last.receivedAt, already: true };
    else if (lastLargest !== null && lastLargest < 0) {
      const hours = (largestNow - below) / -lastLargest;
      forecast = { below, hours, at: last.receivedAt + hours * 3_600_000, already: false };
    } else forecast = { below, hours: null, at: null, already: false };
  }
  return {
    id,
    samples: samples.length,
    reboots: boots.length - 1,
    resetCauses,
    missing,
    firstAt: minOf(samples, (s) => s.receivedAt),
    lastAt: maxOf(samples, (s) => s.receivedAt),
    latest: {
      boot: last.boot,
      seq: last.seq,
      uptimeS: last.uptimeS,
      free: last.free,
      used: last.used,
      largestFree: last.largestFree,
      fragmentation: fragmentationOf(last),
      oneBlocks: last.oneBlocks,
      twoBlocks: last.twoBlocks,
      at: last.receivedAt,
    },
    freeTrendBytesPerHour: acrossBoots(freeParts),
    largestFreeTrendBytesPerHour: acrossBoots(largestParts),
    fragmentationTrendPerHour: acrossBoots(fragParts),
    leakBytesPerHour,
    leak,
    forecast,
    boots,
  };
}

/** The lowest `used` in each of up to 8 stretches of a boot: what survived the collections. */
function lowerEnvelope(list: StoredSample[]): StoredSample[] {
  const parts = Math.min(8, list.length);
  const out: StoredSample[] = [];
  for (let p = 0; p < parts; p++) {
    const slice = list.slice(
      Math.floor((p * list.length) / parts),
      Math.floor(((p + 1) * list.length) / parts),
    );
    if (slice.length) out.push(slice.reduce((a, b) => (b.used < a.used ? b : a)));
  }
  return out;
}

/** Nearest-rank percentiles of the values that are known. */
export function percentiles(values: readonly (number | null)[]): Percentiles {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { p1: null, p10: null, p50: null, p90: null, p99: null, min: null, max: null };
  const at = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
  return {
    p1: at(1),
    p10: at(10),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    min: v[0],
    max: v[v.length - 1],
  };
}

/** Samples ordered by device, boot, seq (as the stores return them) → the fleet's health. */
export function fleetHealth(samples: readonly StoredSample[], opts: HealthOptions = {}): FleetHealth {
  const below = opts.forecastBelow ?? 1024;
  const byDevice = new Map<string, StoredSample[]>();
  for (const s of samples) {
    const list = byDevice.get(s.device);
    if (list) list.push(s);
    else byDevice.set(s.device, [s]);
  }
  const devices = [...byDevice]
    .sort((a, b) => byId(a[0], b[0]))
    .map(([id, list]) => deviceHealth(id, list, below));
  return fleetOf(devices, samples.length, opts.now ?? Date.now());
}

/** The order devices are listed in: by id, code unit by code unit. */
export function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The fleet's figures from its devices' health (sorted by id), read one device at a time. */
export function fleetOf(devices: DeviceHealth[], samples: number, now: number): FleetHealth {
  return {
    generatedAt: now,
    devices,
    fleet: {
      devices: devices.length,
      samples,
      reboots: devices.reduce((n, d) => n + d.reboots, 0),
      leaking: devices.filter((d) => d.leak).length,
      free: percentiles(devices.map((d) => d.latest.free)),
      largestFree: percentiles(devices.map((d) => d.latest.largestFree)),
      fragmentation: percentiles(devices.map((d) => d.latest.fragmentation)),
      freeTrendBytesPerHour: percentiles(devices.map((d) => d.freeTrendBytesPerHour)),
    },
  };
}
