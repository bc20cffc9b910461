/**
 * The collector against Debian's mosquitto and both stores: simulated devices publish real
 * record streams at QoS 1 while the collector and then the broker restart; every record is
 * stored exactly once. Then `mpheap fleet` reads the result.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../src/fleet/collector.js';
import { fleetHealth } from '../../src/fleet/health.js';
import { openStore } from '../../src/fleet/open-store.js';
import { formatRecord, recordTopic } from '../../src/fleet/record.js';
import { runCli, startCli } from '../support/cli.js';
import { type Broker, type Postgres, startBroker, startPostgres } from '../support/services.js';

let broker: Broker;
let postgres: Postgres;
beforeAll(async () => {
  broker = await startBroker();
  postgres = await startPostgres();
});
afterAll(async () => {
  await broker?.stop();
  await postgres?.destroy();
});

/** A device that leaks 40 bytes a minute: free falls, the largest free block falls faster. */
function line(device: string, boot: number, seq: number): string {
  const used = 3000 + seq * 40;
  return formatRecord({
    device,
    reset: boot === 1 ? 'pwron' : 'wdt',
    boot,
    seq,
    uptimeS: seq * 60,
    free: 10_048 - used,
    used,
    largestFree: 10_048 - used - seq * 30,
    oneBlocks: 20,
    twoBlocks: 4,
    maxNewSplit: 0,
    collections: null,
    collected: true,
    largestFrom: 'table',
  });
}

async function publishAll(devices: number, perDevice: number, from: number): Promise<void> {
  const clients = await Promise.all(
    Array.from({ length: devices }, (_, d) =>
      mqtt.connectAsync(broker.url, { clientId: `sim-${d}`, clean: true, reconnectPeriod: 200 }),
    ),
  );
  await Promise.all(
    clients.map(async (c, d) => {
      for (let s = from; s < from + perDevice; s++)
        await c.publishAsync(recordTopic(`dev-${d}`), line(`dev-${d}`, 1, s), { qos: 1 });
      await c.endAsync();
    }),
  );
}

describe.each([
  ['SQLite', 1, () => join(mkdtempSync(join(tmpdir(), 'mpheap-collect-')), 'fleet.sqlite')],
  // Four sessions in one shared subscription, as collect does by default with PostgreSQL.
  ['PostgreSQL', 4, () => postgres.url],
])('collector into %s, %i lane(s)', (name, lanes, db) => {
  it('loses and duplicates nothing across a collector restart and a broker restart', async () => {
    const url = db();
    const store = await openStore(url);
    const clientId = `collector-${name}`;
    let collector = new Collector({ url: broker.url, store, clientId, lanes });
    await collector.start();
    await publishAll(10, 20, 0);
    // The collector goes away; records published meanwhile wait in its session on the broker.
    await collector.stop();
    await publishAll(10, 20, 20);
    await broker.restart();
    collector = new Collector({ url: broker.url, store, clientId, lanes });
    await collector.start();
    await publishAll(10, 10, 40);
    const c = mqtt.connect(broker.url, { clientId: 'bad-sender' });
    await c.publishAsync('mpheap/dev-0/heap', 'mph1 dev-0 - 1 99 damaged', { qos: 1 });
    // An old record again (a device that resent after a lost PUBACK): stored once.
    await c.publishAsync(recordTopic('dev-3'), line('dev-3', 1, 5), { qos: 1 });
    await c.endAsync();
    await expect.poll(async () => (await store.count()).samples, { timeout: 20_000 }).toBe(500);
    await expect.poll(async () => (await store.count()).rejected, { timeout: 5_000 }).toBe(1);
    await collector.stop();
    const samples = await store.samples();
    expect(new Set(samples.map((s) => `${s.device}/${s.seq}`)).size).toBe(500);
    await store.close();

    const r = await runCli('fleet', '--db', url, '--json', '--alert', 'largestFree<4K');
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.devices).toHaveLength(10);
    // Read one device at a time, the same health as from every sample at once.
    const whole = JSON.parse(JSON.stringify(fleetHealth(samples, { forecastBelow: 1024 })));
    expect(out.devices).toEqual(whole.devices);
    expect(out.fleet).toEqual(whole.fleet);
    const d0 = out.devices.find((d: { id: string }) => d.id === 'dev-0');
    expect(d0.samples).toBe(50);
    expect(d0.reboots).toBe(0);
    expect(d0.latest).toMatchObject({ free: 10_048 - 3000 - 49 * 40, largestFree: 10_048 - 3000 - 49 * 70 });
    // 40 bytes a minute of uptime: 2400 an hour, in free (down) and in what stays live (up).
    expect(d0.freeTrendBytesPerHour).toBeCloseTo(-2400, 6);
    expect(d0.leakBytesPerHour).toBeCloseTo(2400, 6);
    expect(d0.leak).toBe(true);
    expect(out.alerts.map((a: { device: string }) => a.device)).toContain('dev-0');
  });
});

/** `mpheap collect` from the test broker into `db`, as MQTT client `clientId`. */
function collectArgs(db: string, clientId: string, ...more: string[]): string[] {
  return ['collect', '--mqtt', broker.url, '--db', db, '--client-id', clientId, ...more];
}

describe('collectors sharing a fleet', () => {
  it('subscribes again after a broker restart, which forgets shared subscriptions', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mpheap-collect-share-')), 'fleet.sqlite');
    const store = await openStore(file);
    const statuses: string[] = [];
    const c = new Collector({
      url: broker.url,
      store,
      clientId: 'share-restart',
      lanes: 2,
      onStatus: (s) => statuses.push(s),
    });
    await c.start();
    await publishAll(2, 5, 0);
    await expect.poll(async () => (await store.count()).samples, { timeout: 10_000 }).toBe(10);
    await broker.restart();
    // Both lanes back (each says connected once more), then a moment to subscribe again.
    await expect.poll(() => statuses.filter((s) => s === 'connected').length, { timeout: 10_000 }).toBe(4);
    await new Promise((r) => setTimeout(r, 500));
    await publishAll(2, 5, 5);
    await expect.poll(async () => (await store.count()).samples, { timeout: 10_000 }).toBe(20);
    await c.stop();
    await store.close();
  });

  it('--leave: a retired collector stores what was queued for it, and the broker forgets it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mpheap-collect-leave-')), 'fleet.sqlite');
    const storeA = await openStore(file);
    const a = new Collector({ url: broker.url, store: storeA, clientId: 'leave-a', group: 'g' });
    await a.start();
    // B joins the group, then goes away: its share of what follows queues on the broker.
    const b = await runCli(...collectArgs(file, 'leave-b', '--share', 'g', '--duration', '0.5'));
    expect(b.code, b.stderr).toBe(0);
    await publishAll(4, 10, 0);
    const left = await runCli(...collectArgs(file, 'leave-b', '--share', 'g', '--leave', '--json'));
    expect(left.code, left.stderr).toBe(0);
    const stored = JSON.parse(left.stdout).stored;
    expect(stored).toBeGreaterThan(0);
    // From now on every record goes to A.
    await publishAll(4, 10, 10);
    await expect.poll(async () => (await storeA.count()).samples, { timeout: 10_000 }).toBe(80);
    expect(a.stats.stored).toBe(80 - stored);
    await a.stop();
    await storeA.close();
    // The broker kept no session for B.
    const probe = mqtt.connect(broker.url, { clientId: 'leave-b', clean: false });
    const connack = await new Promise<{ sessionPresent?: boolean }>((resolve) =>
      probe.once('connect', resolve),
    );
    await probe.endAsync();
    expect(connack.sessionPresent).toBe(false);
  });
});

describe('mpheap collect when the database fails', () => {
  it('PostgreSQL shuts down while idle: it exits at once with code 4 and says why', async () => {
    const run = startCli(...collectArgs(postgres.url, 'pg-fail'));
    await expect.poll(() => run.stderr(), { timeout: 10_000 }).toContain('collecting from');
    const stoppedAt = Date.now();
    await postgres.stop();
    try {
      const r = await run.done;
      // Noticed from the dropped connection, long before the 10 s progress line.
      expect(Date.now() - stoppedAt).toBeLessThan(3000);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/mpheap: the database failed: .*terminating connection/);
      expect(r.stderr).toContain('Nothing is lost');
    } finally {
      await postgres.start();
    }
  });

  it('SQLite stays locked by another program: it exits with code 4, and the record waits on the broker', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mpheap-collect-locked-')), 'fleet.sqlite');
    // Created, then locked for writing by another connection, as another program would.
    (await openStore(file)).close();
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const run = startCli(...collectArgs(file, 'sqlite-locked'));
    await expect.poll(() => run.stderr(), { timeout: 10_000 }).toContain('collecting from');
    const c = await mqtt.connectAsync(broker.url, { clientId: 'locked-sender' });
    await c.publishAsync(recordTopic('dev-l'), line('dev-l', 1, 0), { qos: 1 });
    await c.endAsync();
    const sentAt = Date.now();
    const r = await run.done;
    // SQLite waits 5 s for a lock (busy_timeout), then the collector gives up at once.
    expect(Date.now() - sentAt).toBeLessThan(8000);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/mpheap: could not store a record: database is locked/);
    other.exec('ROLLBACK');
    other.close();
    // The record was not acknowledged: the next collector with this session stores it.
    const again = await runCli(...collectArgs(file, 'sqlite-locked', '--duration', '2', '--json'));
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ stored: 1, duplicates: 0 });
  });
});
