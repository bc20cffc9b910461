/**
 * The agent's record: one line per sample, defined here once (docs/fleet-record.md). The agent
 * (agent/mpheap_agent_read.py) writes it byte by byte on the board; `monitor --publish` and
 * `run --publish` find it in what a board prints; the collector parses what arrives over MQTT.
 *
 *   mph1 DEVICE RESET BOOT SEQ UPTIME FREE USED LARGEST ONES TWOS SPLIT GCS FLAGS *CHECK
 *
 * Numbers are decimal, `-` where the board cannot say. CHECK is the Fletcher-16 of every byte
 * before ` *`, in four hex digits: a serial line that dropped or changed a byte is refused.
 */

export const RECORD_TAG = 'mph1';

export interface FleetRecord {
  device: string;
  /** How the board last started (`pwron`, `hard`, `wdt`, `deepsleep`, `soft`, `brownout`), or null. */
  reset: string | null;
  /** Which start of the device this is: a count kept on the board, or the host's start time. */
  boot: number;
  /** Sample number within this boot, from 0. */
  seq: number;
  uptimeS: number;
  free: number;
  used: number;
  /** Largest free block in bytes (the largest allocation that can succeed), or null. */
  largestFree: number | null;
  oneBlocks: number | null;
  twoBlocks: number | null;
  /** Bytes the heap could still grow by (split-heap builds), or null. */
  maxNewSplit: number | null;
  /** Collections since the previous sample, where the firmware counts them; else null. */
  collections: number | null;
  /** The agent ran gc.collect() just before this sample: `used` is what is live. */
  collected: boolean;
  /** Where largestFree came from: the firmware's own figure, the allocation table, or nowhere. */
  largestFrom: 'firmware' | 'table' | null;
}

export type ParsedRecord = { ok: true; record: FleetRecord } | { ok: false; reason: string };

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const RESET = /^[a-z]{1,16}$/;
const FIELDS = 15;

/**
 * The rule for a device id, an MQTT client id or a group: why `value` is refused, in words that
 * start with `what` (`device id 'a b' is not 1 to 64 of …`), or null when it is fine.
 */
export function checkName(value: string, what: string): string | null {
  return NAME.test(value) ? null : `${what} '${value}' is not 1 to 64 of A-Z a-z 0-9 _ . -`;
}

/** Fletcher-16 (modulo 255) over the bytes of a latin-1 string: what the agent computes. */
export function fletcher16(text: string): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < text.length; i++) {
    s = (s + (text.charCodeAt(i) & 0xff)) % 255;
    c = (c + s) % 255;
  }
  return c * 256 + s;
}

/** True when a line of board output is meant to be a record (damaged or not). */
export function looksLikeRecord(line: string): boolean {
  return line.startsWith(`${RECORD_TAG} `);
}

/** Parses one record (a trailing line end is allowed); a damaged one is refused with the reason. */
export function parseRecord(input: string): ParsedRecord {
  const line = input.replace(/\r?\n$/, '');
  const bad = (reason: string): ParsedRecord => ({ ok: false, reason });
  if (!looksLikeRecord(line)) return bad(`not a record: it does not start with '${RECORD_TAG} '`);
  if (line.length > 400) return bad(`too long (${line.length} characters; a record is under 200)`);
  const star = line.lastIndexOf(' *');
  if (star < 0) return bad('no checksum (the line was cut short)');
  const check = line.slice(star + 2);
  if (!/^[0-9a-f]{4}$/.test(check)) return bad(`checksum '${check}' is not four hex digits`);
  const body = line.slice(0, star);
  const want = fletcher16(body);
  if (want !== Number.parseInt(check, 16))
    return bad(
      `checksum mismatch (the line says ${check}, its bytes give ${hex4(want)}): damaged in transit`,
    );
  const f = body.split(' ');
  if (f.length !== FIELDS - 1) return bad(`${f.length + 1} fields, a record has ${FIELDS}`);
  const [, device, reset, ...rest] = f;
  const badDevice = checkName(device, 'device id');
  if (badDevice !== null) return bad(badDevice);
  if (reset !== '-' && !RESET.test(reset)) return bad(`reset cause '${reset}' is not a lower-case word`);
  const names = ['boot', 'seq', 'uptime', 'free', 'used', 'largest', 'ones', 'twos', 'split', 'gcs'];
  const nums: (number | null)[] = [];
  for (let i = 0; i < names.length; i++) {
    const t = rest[i];
    if (t === '-') nums.push(null);
    else if (/^\d{1,15}$/.test(t)) nums.push(Number(t));
    else return bad(`${names[i]} '${t}' is not a whole number or '-'`);
  }
  const [boot, seq, uptimeS, free, used, largestFree, oneBlocks, twoBlocks, maxNewSplit, collections] = nums;
  for (const [name, v] of [
    ['boot', boot],
    ['seq', seq],
    ['uptime', uptimeS],
    ['free', free],
    ['used', used],
  ] as const)
    if (v === null) return bad(`${name} is required, got '-'`);
  const flags = rest[names.length];
  const fm = /^([c-])([fa])?$/.exec(flags);
  if (!fm) return bad(`flags '${flags}' are not c or - followed by f, a or nothing`);
  return {
    ok: true,
    record: {
      device,
      reset: reset === '-' ? null : reset,
      boot: boot as number,
      seq: seq as number,
      uptimeS: uptimeS as number,
      free: free as number,
      used: used as number,
      largestFree,
      oneBlocks,
      twoBlocks,
      maxNewSplit,
      collections,
      collected: fm[1] === 'c',
      largestFrom: fm[2] === 'f' ? 'firmware' : fm[2] === 'a' ? 'table' : null,
    },
  };
}

/** The record's line (no line end), exactly as the agent writes it. */
export function formatRecord(r: FleetRecord): string {
  const n = (v: number | null) => (v === null ? '-' : String(v));
  const flags = `${r.collected ? 'c' : '-'}${r.largestFrom === 'firmware' ? 'f' : r.largestFrom === 'table' ? 'a' : ''}`;
  const body = [
    RECORD_TAG,
    r.device,
    r.reset ?? '-',
    n(r.boot),
    n(r.seq),
    n(r.uptimeS),
    n(r.free),
    n(r.used),
    n(r.largestFree),
    n(r.oneBlocks),
    n(r.twoBlocks),
    n(r.maxNewSplit),
    n(r.collections),
    flags,
  ].join(' ');
  return `${body} *${hex4(fletcher16(body))}`;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** The MQTT topic a device publishes its records on. */
export function recordTopic(device: string): string {
  return `mpheap/${device}/heap`;
}

/** What the collector subscribes to (all devices). */
export const RECORD_TOPIC_FILTER = 'mpheap/+/heap';
