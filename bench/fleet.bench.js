// A fleet at scale: thousands of simulated devices, each a real mpheap_agent record stream (lines
// made by formatRecord, the one definition of the agent's record), published at QoS 1 with a
// persistent session (as the agent does) through Debian's mosquitto to `mpheap collect` (the real
// CLI, in a process of its own) into SQLite and into PostgreSQL (a private server, fsync on).
//
// For each store:
//  - drain: a backlog queued on the broker while the collector was away, stored by one collector
//    and by two sharing the fleet (--share); records/s against the baseline of the same run, a
//    subscriber that acknowledges without storing anything; the collectors' peak memory;
//  - sustained: the devices publish at a steady rate while the broker restarts and the collector
//    is killed (SIGKILL) and started again; every record must be stored exactly once; latency
//    from publish to row (the row's received_at, stamped by the collector as it writes it).
//
// FLEET_DEVICES (default 2000), FLEET_BACKLOG (records per device in a drain; default 10 for
// SQLite, 3 for PostgreSQL), FLEET_REPEATS (drains of each kind, default 3) and FLEET_SECONDS
// (the sustained run, default 40) scale it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pg from 'pg';
import { formatRecord, recordTopic } from '../dist/fleet/record.js';
import { startBroker, startPostgres } from '../test/support/services.js';
import { median } from './measure.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEVICES = Number(process.env.FLEET_DEVICES ?? 2000);
/** Records per device in a drain: fewer into PostgreSQL, whose every commit waits for fsync. */
const BACKLOG = {
  SQLite: Number(process.env.FLEET_BACKLOG ?? 10),
  PostgreSQL: Number(process.env.FLEET_BACKLOG ?? 3),
};
const SECONDS = Number(process.env.FLEET_SECONDS ?? 40);
const REPEATS = Number(process.env.FLEET_REPEATS ?? 3);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/**
 * One board: a heap of a micro:bit (10,048 bytes) or of a bigger port (112 KiB), a boot count,
 * and a leak of a few bytes per sample with noise, as the agent would report it each `every` s.
 */
class Device {
  constructor(i) {
    this.id = `dev-${String(i).padStart(5, '0')}`;
    this.total = i % 3 === 0 ? 114_688 : 10_048;
    this.boot = 1 + (i % 7);
    this.reset = this.boot === 1 ? 'pwron' : ['wdt', 'hard', 'soft'][i % 3];
    this.base = Math.floor(this.total * (0.3 + (i % 10) / 40));
    this.leak = (i % 5) * 4;
    this.seq = 0;
  }
  /** The next record line, and its key. */
  next() {
    const seq = this.seq++;
    const noise = ((seq * 7919 + this.id.length * 31) % 13) * 16;
    const used = Math.min(this.total - 512, this.base + this.leak * seq + noise);
    const free = this.total - used;
    const line = formatRecord({
      device: this.id,
      reset: this.reset,
      boot: this.boot,
      seq,
      uptimeS: 5 + seq * 60,
      free,
      used,
      largestFree: Math.floor(free * (0.9 - (seq % 9) / 100)),
      oneBlocks: 20 + (seq % 11),
      twoBlocks: 4 + (seq % 5),
      maxNewSplit: 0,
      collections: null,
      collected: true,
      largestFrom: 'table',
    });
    return { key: `${this.id}/${this.boot}/${seq}`, line };
  }
}

/** Every device's MQTT connection: persistent session, QoS 1, reconnects by itself. */
async function connectDevices(url, devices) {
  const clients = [];
  for (let i = 0; i < devices.length; i += 200)
    clients.push(
      ...(await Promise.all(
        devices.slice(i, i + 200).map((d) =>
          mqtt.connectAsync(url, {
            clientId: `sim-${d.id}`,
            clean: false,
            reconnectPeriod: 300,
            connectTimeout: 30_000,
            keepalive: 120,
          }),
        ),
      )),
    );
  return clients;
}

/** Publishes each device's next record; remembers when, by key. */
function publishNext(devices, clients, sentAt, pending) {
  for (let i = 0; i < devices.length; i++) {
    const { key, line } = devices[i].next();
    sentAt.set(key, Date.now());
    pending.push(clients[i].publishAsync(recordTopic(devices[i].id), line, { qos: 1 }));
  }
}

/** A store for one phase: a new SQLite file, or a new PostgreSQL database on the private server. */
async function freshStore(kind, name, postgres) {
  if (kind === 'SQLite') {
    const dir = mkdtempSync(join(tmpdir(), 'mpheap-fleet-bench-'));
    const file = join(dir, 'fleet.sqlite');
    return {
      db: file,
      rows: async () => {
        try {
          const d = new Database(file, { readonly: true, fileMustExist: true });
          try {
            return d.prepare('SELECT device, boot, seq, received_at FROM mpheap_samples').all();
          } finally {
            d.close();
          }
        } catch {
          return [];
        }
      },
      count: async () => {
        try {
          const d = new Database(file, { readonly: true, fileMustExist: true });
          try {
            return d.prepare('SELECT COUNT(*) AS n FROM mpheap_samples').get().n;
          } finally {
            d.close();
          }
        } catch {
          return 0;
        }
      },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = new pg.Client(postgres.url);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = postgres.url.replace(/\/mpheap$/, `/${name}`);
  const client = new pg.Client(url);
  await client.connect();
  const query = async (sql) => {
    try {
      return (await client.query(sql)).rows;
    } catch (e) {
      if (e.code === '42P01') return null; // the collector has not made the table yet
      throw e;
    }
  };
  return {
    db: url,
    rows: async () =>
      ((await query('SELECT device, boot, seq, received_at FROM mpheap_samples')) ?? []).map((r) => ({
        ...r,
        received_at: Number(r.received_at),
      })),
    count: async () => Number((await query('SELECT COUNT(*) AS n FROM mpheap_samples'))?.[0]?.n ?? 0),
    drop: async () => client.end(),
  };
}

/** `mpheap collect` in a process of its own. */
function startCollector(brokerUrl, db, clientId, share, lanes) {
  const args = [join(root, 'bin/mpheap.js'), 'collect', '--mqtt', brokerUrl, '--db', db];
  args.push('--client-id', clientId, '--json', ...(share ? ['--share', share] : []));
  if (lanes !== undefined) args.push('--lanes', String(lanes));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  child.stderr.on('data', (b) => {
    err += b;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid,
    /** Resolves once it has subscribed (it says so on stderr). */
    ready: () => waitFor('the collector to subscribe', async () => err.includes('collecting from'), 20_000),
    /** Peak resident memory so far (VmHWM), in MiB. */
    peakMiB: () => {
      try {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
        return kb / 1024;
      } catch {
        return Number.NaN;
      }
    },
    /** SIGTERM: it stops cleanly and prints its counts. */
    stop: async () => {
      child.kill('SIGTERM');
      const r = await exited;
      if (r.code !== 0) throw new Error(`collect exited with ${r.code ?? r.signal}: ${err}`);
      return JSON.parse(out);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The baseline: a subscriber with the collector's kind of session that acknowledges each record
 * and stores nothing (what the broker and an MQTT client cost alone). It reports its count, and
 * the times of its first and last record, every 100 ms.
 */
function startNullSubscriber(brokerUrl, clientId) {
  const code = `
    import mqtt from 'mqtt';
    let n = 0, first = 0, last = 0;
    const c = mqtt.connect(${JSON.stringify(brokerUrl)}, { clientId: ${JSON.stringify(clientId)}, clean: false, protocolVersion: 4 });
    c.handleMessage = (p, done) => { const t = Date.now(); if (!n++) first = t; last = t; done(); };
    c.on('connect', () => c.subscribe('mpheap/+/heap', { qos: 1 }, () => setInterval(() => process.stdout.write(JSON.stringify({ n, first, last }) + '\\n'), 100)));
    process.on('SIGTERM', () => c.end(false, () => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let latest = null;
  let buf = '';
  child.stdout.on('data', (b) => {
    buf += b;
    const lines = buf.split('\n');
    buf = lines.pop();
    if (lines.length) latest = JSON.parse(lines[lines.length - 1]);
  });
  return {
    latest: () => latest,
    ready: () => waitFor('the baseline subscriber', async () => latest !== null, 20_000),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * `mpheap collect --leave` for each collector of a phase: nothing of one phase stays queued on
 * the broker for the next (a session left behind would keep its share, or every record).
 */
async function retire(brokerUrl, db, ids, share, lanes) {
  await Promise.all(
    ids.map(
      (id) =>
        new Promise((resolve, reject) => {
          const args = [join(root, 'bin/mpheap.js'), 'collect', '--mqtt', brokerUrl, '--db', db];
          args.push('--client-id', id, '--leave', '--quiet', ...(share ? ['--share', share] : []));
          if (lanes !== undefined) args.push('--lanes', String(lanes));
          const child = spawn(process.execPath, args, { stdio: 'ignore' });
          child.once('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`--leave exited ${code}`)),
          );
        }),
    ),
  );
}

/** Connects once with a clean session: the broker forgets the session of that client id. */
async function forgetSession(brokerUrl, clientId) {
  const c = await mqtt.connectAsync(brokerUrl, { clientId, clean: true, reconnectPeriod: 0 });
  await c.endAsync();
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Queues a backlog on the broker for the given (offline) sessions: BACKLOG records per device. */
async function publishBacklog(devices, clients, perDevice) {
  const sentAt = new Map();
  const pending = [];
  const t0 = Date.now();
  for (let k = 0; k < perDevice; k++) {
    publishNext(devices, clients, sentAt, pending);
    // Let the broker's acknowledgements in before the next round (bounded memory here too).
    await Promise.all(pending.splice(0));
  }
  return { records: sentAt.size, publishRate: sentAt.size / ((Date.now() - t0) / 1000) };
}

/** The baseline drain: how fast the broker hands a backlog to a subscriber that stores nothing. */
async function drainBaseline(broker, devices, clients) {
  const first = startNullSubscriber(broker.url, 'bench-null');
  await first.ready();
  await first.stop(); // its session stays: the backlog queues for it
  const { records, publishRate } = await publishBacklog(devices, clients, BACKLOG.SQLite);
  const sub = startNullSubscriber(broker.url, 'bench-null');
  await waitFor('the baseline drain', async () => (sub.latest()?.n ?? 0) >= records, 300_000);
  const { n, first: t0, last } = sub.latest();
  await sub.stop();
  await forgetSession(broker.url, 'bench-null');
  return { records, publishRate, rate: (n - 1) / ((last - t0) / 1000) };
}

async function drain(kind, broker, postgres, devices, clients, setup, run) {
  const { collectors, lanes, key } = setup;
  const store = await freshStore(kind, `drain_${key}_${run}`, postgres);
  const ids = Array.from({ length: collectors }, (_, i) => `bench-${kind}-${key}-${run}-${i}`);
  const share = collectors > 1 ? 'bench' : undefined;
  // Sessions and subscriptions first, then away: the backlog queues on the broker for them.
  let idle = 0;
  for (const id of ids) {
    const c = startCollector(broker.url, store.db, id, share, lanes);
    await c.ready();
    idle = Math.max(idle, c.peakMiB());
    await c.stop();
  }
  const { records } = await publishBacklog(devices, clients, BACKLOG[kind]);
  const running = ids.map((id) => startCollector(broker.url, store.db, id, share, lanes));
  await waitFor(`${records} rows`, async () => (await store.count()) >= records, 120_000).catch(async (e) => {
    console.error(`DRAIN ${setup.label}: ${await store.count()} of ${records} rows`);
    for (const c of running) await c.kill();
    throw e;
  });
  const peak = Math.max(...running.map((c) => c.peakMiB()));
  const summaries = await Promise.all(running.map((c) => c.stop()));
  await retire(broker.url, store.db, ids, share, lanes);
  const rows = await store.rows();
  const times = rows.map((r) => r.received_at);
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  await store.drop();
  return {
    records,
    rows: rows.length,
    rate: (rows.length - 1) / span,
    shares: summaries.map((s) => s.stored),
    duplicates: summaries.reduce((n, s) => n + s.duplicates, 0),
    peak,
    idle,
  };
}

/**
 * Devices publishing at a steady rate while the broker restarts (at 30 %) and a collector is
 * SIGKILLed and started again 2 s later (at 65 %). Every record must end up stored exactly once;
 * what is missing after the rows stop coming is counted, not waited for.
 */
async function sustained(kind, broker, postgres, devices, clients, rate, collectors) {
  const store = await freshStore(kind, `sustained_${collectors}`, postgres);
  const ids = Array.from({ length: collectors }, (_, i) => `bench-${kind}-steady-${collectors}-${i}`);
  const share = collectors > 1 ? 'steady' : undefined;
  const running = ids.map((id) => startCollector(broker.url, store.db, id, share));
  for (const c of running) await c.ready();
  const sentAt = new Map();
  const pending = [];
  const perTick = Math.max(1, Math.round(rate / 20));
  const started = Date.now();
  let restartedAt = 0;
  let cursor = 0;
  // 20 ticks a second; each publishes the next devices in turn, so each device sends every
  // DEVICES / rate seconds, as a fleet of agents with that `every` would.
  const timer = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      const i = cursor++ % devices.length;
      const { key, line } = devices[i].next();
      sentAt.set(key, Date.now());
      pending.push(clients[i].publishAsync(recordTopic(devices[i].id), line, { qos: 1 }));
    }
  }, 50);
  const at = (s) => sleep(Math.max(0, started + s * 1000 - Date.now()));
  await at(SECONDS * 0.3);
  restartedAt = Date.now();
  await broker.restart();
  await at(SECONDS * 0.65);
  const summaries = [];
  await running[0].kill();
  await sleep(2000);
  running[0] = startCollector(broker.url, store.db, ids[0], share);
  await at(SECONDS);
  clearInterval(timer);
  const published = sentAt.size;
  await Promise.all(pending);
  // All rows, or no new row for 10 s (what is missing then is lost).
  let last = -1;
  let still = 0;
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; ) {
    const n = await store.count();
    if (n >= published) break;
    still = n === last ? still + 1 : 0;
    last = n;
    if (still >= 100) break;
    await sleep(100);
  }
  for (const c of running) summaries.push(await c.stop());
  await retire(broker.url, store.db, ids, share);
  const rows = await store.rows();
  const keys = new Set(rows.map((r) => `${r.device}/${r.boot}/${r.seq}`));
  const lost = [...sentAt].filter(([k]) => !keys.has(k)).map(([, t]) => t);
  const latencyOf = (r) => r.received_at - sentAt.get(`${r.device}/${r.boot}/${r.seq}`);
  const latency = rows.map(latencyOf);
  const steady = rows
    .filter((r) => {
      const t = sentAt.get(`${r.device}/${r.boot}/${r.seq}`);
      return t > started + 3000 && t < restartedAt - 500;
    })
    .map(latencyOf);
  await store.drop();
  return {
    published,
    rows: rows.length,
    unique: keys.size,
    missing: lost.length,
    // When the lost records were published, relative to the broker's restart.
    lostWindow: lost.length
      ? [
          lost.reduce((m, t) => Math.min(m, t), Infinity) - restartedAt,
          lost.reduce((m, t) => Math.max(m, t), -Infinity) - restartedAt,
        ]
      : null,
    offered: published / SECONDS,
    duplicatesSkipped: summaries.reduce((n, x) => n + x.duplicates, 0),
    steady: { p50: pct(steady, 50), p99: pct(steady, 99) },
    all: { p99: pct(latency, 99), max: latency.reduce((m, x) => Math.max(m, x), 0) },
  };
}

const broker = await startBroker();
const postgres = await startPostgres({ fsync: true });
const devices = Array.from({ length: DEVICES }, (_, i) => new Device(i));
let clients = [];
try {
  const t0 = Date.now();
  clients = await connectDevices(broker.url, devices);
  console.log(
    `${fmt(DEVICES)} simulated devices connected to mosquitto in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
      ' (persistent sessions, QoS 1)',
  );
  // The baseline, measured as often as the drains it is set against (median).
  const bases = [];
  for (let r = 0; r < REPEATS; r++) bases.push(await drainBaseline(broker, devices, clients));
  const base = {
    ...bases[0],
    rate: median(bases.map((b) => b.rate)),
    publishRate: median(bases.map((b) => b.publishRate)),
  };
  console.log(
    `they publish a backlog at ${fmt(base.publishRate)} records/s; baseline: a subscriber that stores` +
      ` nothing drains ${fmt(base.records)} records at ${fmt(base.rate)} records/s` +
      ` (${fmt(Math.min(...bases.map((b) => b.rate)))}–${fmt(Math.max(...bases.map((b) => b.rate)))})`,
  );
  for (const kind of (process.env.FLEET_STORES ?? 'SQLite,PostgreSQL').split(',')) {
    console.log(
      `\n${kind}${kind === 'PostgreSQL' ? ' (private server, fsync on)' : ' (WAL, synchronous=NORMAL)'}`,
    );
    console.log(
      `  drains of ${fmt(DEVICES * BACKLOG[kind])} records queued on the broker, ${REPEATS} of each, alternating` +
        ' (median, min–max; this machine is shared, its disk and CPU vary):',
    );
    // collect's default is one lane; with PostgreSQL, whose every commit waits for the disk,
    // lanes are what let one collector commit several records at once.
    const setups = [
      { key: 'c1', label: 'one collector', collectors: 1 },
      ...(kind === 'PostgreSQL'
        ? [{ key: 'l4', label: 'one collector, --lanes 4', collectors: 1, lanes: 4 }]
        : []),
      { key: 'c2', label: 'two collectors, --share', collectors: 2 },
    ];
    const runs = new Map(setups.map((u) => [u.key, []]));
    for (let r = 0; r < REPEATS; r++)
      for (const u of setups)
        runs.get(u.key).push(await drain(kind, broker, postgres, devices, clients, u, r));
    const one = median(runs.get('c1').map((d) => d.rate));
    for (const u of setups) {
      const done = runs.get(u.key);
      const rates = done.map((d) => d.rate);
      const m = median(rates);
      const lost = done.filter((d) => d.rows !== d.records).length;
      console.log(
        `    ${u.label.padEnd(26)} ${fmt(m).padStart(7)} records/s (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))})` +
          `  ${(m / base.rate).toFixed(2)}× baseline${u.key === 'c1' ? '' : `, ${(m / one).toFixed(2)}× one collector`}` +
          `;  split ${done[done.length - 1].shares.map(fmt).join(' + ')}; peak RSS ${fmt(Math.max(...done.map((d) => d.peak)))} MiB` +
          ` (idle ${fmt(Math.max(...done.map((d) => d.idle)))})${lost ? `  ${lost} RUNS LOST ROWS` : ''}`,
      );
      if (lost) process.exitCode = 1;
    }
    const rate = Math.min(1000, Math.round(one / 2));
    console.log(
      `  sustained ${SECONDS} s at ${fmt(rate)} records/s (half of one collector's drain, at most 1,000);` +
        ' the broker restarts at 30 %, a collector is SIGKILLed at 65 % and started again 2 s later:',
    );
    const results = [];
    for (const n of [1, 2]) {
      const s = await sustained(kind, broker, postgres, devices, clients, rate, n);
      results.push(s);
      console.log(
        `    ${n === 1 ? 'one collector' : 'two collectors, --share'}: published ${fmt(s.published)},` +
          ` rows ${fmt(s.rows)} (${fmt(s.unique)} distinct), lost ${fmt(s.missing)}` +
          `${s.lostWindow ? ` (published ${(s.lostWindow[0] / 1000).toFixed(1)} to ${(s.lostWindow[1] / 1000).toFixed(1)} s after the broker restarted)` : ''}` +
          `; redeliveries skipped as duplicates: ${fmt(s.duplicatesSkipped)}`,
      );
      console.log(
        `      publish → row: steady p50 ${fmt(s.steady.p50)} ms, p99 ${fmt(s.steady.p99)} ms;` +
          ` whole run p99 ${fmt(s.all.p99)} ms, max ${fmt(s.all.max)} ms (records caught in the restarts)`,
      );
    }
    const s = results[0];
    if (s.missing || s.rows !== s.published) process.exitCode = 1;
  }
} finally {
  await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
  await broker.stop();
  await postgres.destroy();
}
