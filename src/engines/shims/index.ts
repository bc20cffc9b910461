/**
 * Board shims: MicroPython modules (`machine`, `time` on a virtual clock, `asyncio`, `network`,
 * `esp`/`esp32`/`rp2`, a few drivers) that let ordinary board code run unchanged on the
 * embedded engine. Each is a plain `.py` file next to this module (copied into dist/ by
 * scripts/copy-shims.js); docs/shims.md says what each emulates.
 *
 * How an engine uses them: write every shim file into the engine (`provideModule(name,
 * shimSource(name))`: writing costs no heap), write the sim input if there is one
 * (`simInputCode`), then import the modules `shimsFor(script)` lists, in that order
 * (`shimImportCode`), before the script's start snapshot, so their heap is told apart from the
 * script's; run `shimStartCode` last, just before the script. `time` and `asyncio` shadow the build's own modules because the engine's file
 * system root comes first on sys.path; each shim also installs its other names (`utime`,
 * `uasyncio`, `umachine`, `unetwork`) in sys.modules when it is imported.
 */
import { readFileSync } from 'node:fs';
import { pythonString } from '../python/quote.js';

export interface ShimModule {
  /** The module's name in the engine: its file is `/NAME.py` there and `NAME.py` here. */
  name: string;
  /** The import names it serves (`time` serves `time` and `utime`); empty for a part. */
  provides: readonly string[];
  /** Shim modules it imports itself; shimsFor lists them first. */
  requires: readonly string[];
  /**
   * For a part of another shim (machine's rarer classes, loaded at their first use): that
   * shim's name, and the names whose mention in a script pulls the part in.
   */
  partOf?: string;
  names?: readonly string[];
}

/** Every shim module, each after those it requires. */
export const SHIM_MODULES: readonly ShimModule[] = [
  { name: 'time', provides: ['time', 'utime'], requires: [] },
  { name: 'machine', provides: ['machine', 'umachine'], requires: ['time'] },
  {
    name: '_machine_adc',
    provides: [],
    requires: ['machine'],
    partOf: 'machine',
    names: ['ADC', 'ADCBlock', 'PWM'],
  },
  {
    name: '_machine_bus',
    provides: [],
    requires: ['machine'],
    partOf: 'machine',
    names: ['I2C', 'SoftI2C', 'SPI', 'SoftSPI', 'UART'],
  },
  { name: '_machine_rtc', provides: [], requires: ['machine'], partOf: 'machine', names: ['RTC', 'WDT'] },
  { name: 'asyncio', provides: ['asyncio', 'uasyncio'], requires: ['time'] },
  { name: 'network', provides: ['network', 'unetwork'], requires: ['time'] },
  { name: 'esp', provides: ['esp'], requires: [] },
  { name: 'esp32', provides: ['esp32'], requires: [] },
  { name: 'rp2', provides: ['rp2'], requires: [] },
  { name: 'neopixel', provides: ['neopixel'], requires: ['machine'] },
  { name: 'dht', provides: ['dht'], requires: ['time'] },
  { name: 'onewire', provides: ['onewire'], requires: [] },
  { name: 'ds18x20', provides: ['ds18x20'], requires: ['time'] },
];

/** Where the shims look for the sim input in the engine's file system. */
export const SIM_INPUT_PATH = '/mpheap_sim_input.json';

const byName = new Map(SHIM_MODULES.map((m) => [m.name, m]));
const sources = new Map<string, string>();

export function shimModule(name: string): ShimModule | undefined {
  return byName.get(name);
}

/** A shim module's Python source (read once from the `.py` file next to this module). */
export function shimSource(name: string): string {
  if (!byName.has(name)) throw new Error(`no board shim named ${JSON.stringify(name)}`);
  let text = sources.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./${name}.py`, import.meta.url), 'utf8');
    sources.set(name, text);
  }
  return text;
}

/**
 * The shim modules a script imports (import and from-import statements anywhere, also inside
 * functions, and `__import__('name')`), with those they require, each after its requirements:
 * the order to import them in. machine's parts come with machine when the script names one of
 * their classes (or star-imports machine).
 */
export function shimsFor(scriptSource: string): ShimModule[] {
  const code = withoutStringsAndComments(scriptSource);
  const wanted = new Set<string>();
  const want = (importName: string) => {
    const top = importName.split('.')[0];
    for (const m of SHIM_MODULES) if (m.provides.includes(top)) addWithRequirements(m, wanted);
  };
  for (const name of importedNames(code)) want(name);
  for (const m of scriptSource.matchAll(/__import__\(\s*['"]([\w.]+)['"]/g)) want(m[1]);
  const starMachine = /\bfrom\s+u?machine\s+import\s*\*/.test(code);
  for (const part of SHIM_MODULES) {
    if (!part.partOf || !wanted.has(part.partOf)) continue;
    const named = (part.names ?? []).some((n) => new RegExp(`\\b${n}\\b`).test(code));
    if (named || starMachine) addWithRequirements(part, wanted);
  }
  return SHIM_MODULES.filter((m) => wanted.has(m.name));
}

function addWithRequirements(m: ShimModule, into: Set<string>): void {
  if (into.has(m.name)) return;
  for (const r of m.requires) addWithRequirements(byName.get(r)!, into);
  into.add(m.name);
}

/** Python that imports these shims, in this order (then collects the start-up garbage). */
export function shimImportCode(modules: readonly ShimModule[]): string {
  return [...modules.map((m) => `import ${m.name}`), 'import gc', 'gc.collect()', ''].join('\n');
}

/**
 * Python to run just before the script (after its start snapshot): the sim input's times count
 * from here. Empty when the script uses no shim that keeps time.
 */
export function shimStartCode(modules: readonly ShimModule[]): string {
  return modules.some((m) => m.name === 'time') ? "__import__('time')._zero()\n" : '';
}

/** The module names of every `import a.b, c as d` and `from a import ...` in the code. */
function importedNames(code: string): string[] {
  // Backslash continuations joined: an import split over lines is one statement.
  const joined = code.replace(/\\\r?\n/g, ' ');
  const names: string[] = [];
  for (const m of joined.matchAll(/\bfrom\s+([\w.]+)\s+import\b/g)) names.push(m[1]);
  const plain =
    /(?<!\bfrom\s+[\w.]+\s+)\bimport\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)/g;
  for (const m of joined.matchAll(plain)) {
    for (const part of m[1].split(',')) names.push(part.trim().split(/\s/)[0]);
  }
  return names;
}

/**
 * The code with every string literal emptied and every comment removed (newlines kept), so
 * `print("import machine")` or `# from time import sleep` imports nothing.
 */
export function withoutStringsAndComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (ch !== '"' && ch !== "'") {
      out += ch;
      i++;
      continue;
    }
    const quote = src.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
    i += quote.length;
    out += quote;
    while (i < src.length && !src.startsWith(quote, i)) {
      if (src[i] === '\\') i++;
      else if (src[i] === '\n' && quote.length === 1) break; // an unterminated string ends with its line
      if (src[i] === '\n') out += '\n';
      i++;
    }
    if (src.startsWith(quote, i)) {
      out += quote;
      i += quote.length;
    }
  }
  return out;
}

/** Thrown for a sim input that cannot be used: the message names the place and what is wrong. */
export class SimInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimInputError';
  }
}

/** What a script's sim input may say (docs/shims.md); every part is optional. */
export interface SimInput {
  /** Whose conventions network status codes follow: `esp32` (default) or `rp2` (Pico W). */
  port?: 'esp32' | 'rp2';
  /** The wall clock at the script's start: [year, month, day, hour, minute, second]. */
  datetime?: [number, number, number, number, number, number];
  /** What machine.reset_cause() says (default `pwron`). */
  reset_cause?: 'pwron' | 'hard' | 'wdt' | 'deepsleep' | 'soft';
  /** Per pin id: a constant level, or edges [t_ms, level] in time order. */
  pins?: Record<string, 0 | 1 | [number, 0 | 1][]>;
  /** Per ADC channel or pin id: read_u16 values, read in turn; the last repeats. */
  adc?: Record<string, number[]>;
  /** I2C devices by address: register -> the bytes from that register on. Keys decimal after parsing. */
  i2c?: Record<string, Record<string, number[]>>;
  /** Per SPI bus id: the bytes read back, in turn (then 0xff). */
  spi?: Record<string, number[]>;
  /** Per UART id: text that arrives at once, or [t_ms, text] chunks in time order. */
  uart?: Record<string, string | [number, string][]>;
  wlan?: {
    connect_ms?: number;
    fail?: 'wrong_password' | 'no_ap' | 'connect_fail' | null;
    /** Networks scan() finds: [ssid, rssi, channel]. */
    scan?: [string, number, number][];
  };
  dht?: { temperature?: number; humidity?: number };
  /** What DS18X20.read_temp() returns. */
  ds18x20?: number;
}

/** Sim inputs are read into the engine's heap: a bound on how much text that may be. */
export const MAX_SIM_INPUT_BYTES = 64 * 1024;
/** Times are virtual milliseconds from the script's start; ticks_diff keeps 2**29 apart. */
const MAX_T_MS = 2 ** 29 - 1;

/** Parses and checks a sim input (JSON text); names where it goes wrong, e.g. `pins.5[2]`. */
export function parseSimInput(text: string): SimInput {
  if (Buffer.byteLength(text) > MAX_SIM_INPUT_BYTES)
    throw new SimInputError(`sim input: larger than ${MAX_SIM_INPUT_BYTES} bytes (it is read into the heap)`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SimInputError(`sim input: not JSON: ${(e as Error).message}`);
  }
  return checkSimInput(raw);
}

/** Checks a sim input already parsed; returns it normalized (I2C keys as decimal numbers). */
export function checkSimInput(raw: unknown): SimInput {
  const top = object(raw, 'sim input');
  const out: SimInput = {};
  for (const [key, v] of Object.entries(top)) {
    const at = `sim input: ${key}`;
    switch (key) {
      case 'port':
        out.port = oneOf(v, ['esp32', 'rp2'] as const, at);
        break;
      case 'datetime': {
        const a = array(v, at);
        if (a.length !== 6) fail(at, 'expected [year, month, day, hour, minute, second]');
        const [y, mo, d, h, mi, s] = a.map((n, i) => int(n, `${at}[${i}]`, 0, 9999));
        if (y < 2000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
          fail(at, 'not a date and time from 2000 on');
        out.datetime = [y, mo, d, h, mi, s];
        break;
      }
      case 'reset_cause':
        out.reset_cause = oneOf(v, ['pwron', 'hard', 'wdt', 'deepsleep', 'soft'] as const, at);
        break;
      case 'pins':
        out.pins = mapValues(v, at, (p, pat) =>
          typeof p === 'number' ? level(p, pat) : edges(p, pat, (x, xat) => level(x, xat)),
        );
        break;
      case 'adc':
        out.adc = mapValues(v, at, (a, aat) =>
          nonEmpty(array(a, aat), aat).map((n, i) => int(n, `${aat}[${i}]`, 0, 65535)),
        );
        break;
      case 'i2c': {
        const devices: Record<string, Record<string, number[]>> = {};
        for (const [addr, regs] of Object.entries(object(v, at))) {
          const aat = `${at}.${addr}`;
          const a = number(addr, aat, 0, 127);
          devices[String(a)] = {};
          for (const [reg, bytes] of Object.entries(object(regs, aat))) {
            const rat = `${aat}.${reg}`;
            const r = number(reg, rat, 0, 255);
            devices[String(a)][String(r)] = array(bytes, rat).map((b, i) => int(b, `${rat}[${i}]`, 0, 255));
          }
        }
        out.i2c = devices;
        break;
      }
      case 'spi':
        out.spi = mapValues(v, at, (a, aat) => array(a, aat).map((b, i) => int(b, `${aat}[${i}]`, 0, 255)));
        break;
      case 'uart':
        out.uart = mapValues(v, at, (u, uat) =>
          typeof u === 'string'
            ? u
            : edges(u, uat, (x, xat) => (typeof x === 'string' ? x : fail(xat, 'expected text'))),
        );
        break;
      case 'wlan': {
        const w = object(v, at);
        out.wlan = {};
        for (const [k, x] of Object.entries(w)) {
          const wat = `${at}.${k}`;
          if (k === 'connect_ms') out.wlan.connect_ms = int(x, wat, 0, MAX_T_MS);
          else if (k === 'fail')
            out.wlan.fail =
              x === null ? null : oneOf(x, ['wrong_password', 'no_ap', 'connect_fail'] as const, wat);
          else if (k === 'scan')
            out.wlan.scan = array(x, wat).map((n, i) => {
              const nat = `${wat}[${i}]`;
              const e = array(n, nat);
              if (e.length !== 3 || typeof e[0] !== 'string') fail(nat, 'expected [ssid, rssi, channel]');
              return [e[0] as string, int(e[1], `${nat}[1]`, -127, 0), int(e[2], `${nat}[2]`, 1, 14)];
            });
          else fail(wat, 'unknown key (connect_ms, fail, scan)');
        }
        break;
      }
      case 'dht': {
        out.dht = {};
        for (const [k, x] of Object.entries(object(v, at))) {
          if (k !== 'temperature' && k !== 'humidity')
            fail(`${at}.${k}`, 'unknown key (temperature, humidity)');
          out.dht[k] = number(x, `${at}.${k}`, -40, 125);
        }
        break;
      }
      case 'ds18x20':
        out.ds18x20 = number(v, at, -55, 125);
        break;
      default:
        fail(at, 'unknown key (port, datetime, reset_cause, pins, adc, i2c, spi, uart, wlan, dht, ds18x20)');
    }
  }
  return out;
}

/**
 * Python that writes the sim input (checked first: see checkSimInput) where the shims read it;
 * run it before importing them.
 */
export function simInputCode(input: SimInput): string {
  const checked = checkSimInput(input);
  return [
    `_f = open(${pythonString(SIM_INPUT_PATH)}, 'w')`,
    `_f.write(${pythonString(JSON.stringify(checked))})`,
    '_f.close()',
    'del _f',
    '',
  ].join('\n');
}

function fail(at: string, what: string): never {
  throw new SimInputError(`${at}: ${what}`);
}

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'expected an object');
  return v as Record<string, unknown>;
}

function array(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) fail(at, 'expected a list');
  return v;
}

function nonEmpty<T>(a: T[], at: string): T[] {
  if (a.length === 0) fail(at, 'expected at least one value');
  return a;
}

/** A number, or a string of one (`"0x76"`, `"118"`: object keys), within [min, max]. */
function number(v: unknown, at: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^(0x[0-9a-f]+|-?\d+(\.\d+)?)$/i.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max)
    fail(at, `expected a number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return n;
}

function int(v: unknown, at: string, min: number, max: number): number {
  const n = number(v, at, min, max);
  if (!Number.isInteger(n)) fail(at, `expected a whole number, not ${JSON.stringify(v)}`);
  return n;
}

function level(v: unknown, at: string): 0 | 1 {
  if (v !== 0 && v !== 1) fail(at, `expected a level 0 or 1, not ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, options: readonly T[], at: string): T {
  if (typeof v !== 'string' || !options.includes(v as T)) fail(at, `expected one of ${options.join(', ')}`);
  return v as T;
}

function mapValues<T>(v: unknown, at: string, each: (x: unknown, at: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries(object(v, at))) out[k] = each(x, `${at}.${k}`);
  return out;
}

/** [[t_ms, value], ...] with times from 0 on, never going back. */
function edges<T>(v: unknown, at: string, value: (x: unknown, at: string) => T): [number, T][] {
  let last = 0;
  return nonEmpty(array(v, at), at).map((e, i) => {
    const eat = `${at}[${i}]`;
    const pair = array(e, eat);
    if (pair.length !== 2) fail(eat, 'expected [t_ms, value]');
    const t = int(pair[0], `${eat}[0]`, 0, MAX_T_MS);
    if (t < last) fail(`${eat}[0]`, `time ${t} goes back (the one before is ${last})`);
    last = t;
    return [t, value(pair[1], `${eat}[1]`)];
  });
}
