/** One store interface, the same tests against SQLite and a real PostgreSQL server. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/fleet/open-store.js';
import type { FleetRecord } from '../../src/fleet/record.js';
import type { FleetStore } from '../../src/fleet/store.js';
import { type Postgres, startPostgres } from '../support/services.js';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.destroy();
});

const rec = (device: string, boot: number, seq: number, free: number): FleetRecord => ({
  device,
  reset: boot === 1 ? 'pwron' : 'wdt',
  boot,
  seq,
  uptimeS: seq * 60,
  free,
  used: 10_000 - free,
  largestFree: free - 100,
  oneBlocks: 3,
  twoBlocks: null,
  maxNewSplit: null,
  collections: null,
  collected: true,
  largestFrom: 'table',
});

describe.each([
  ['SQLite', () => join(mkdtempSync(join(tmpdir(), 'mpheap-store-')), 'fleet.sqlite')],
  ['PostgreSQL', () => postgres.url],
])('%s store', (_name, db) => {
  let store: FleetStore;
  beforeAll(async () => {
    store = await openStore(db());
  });
  afterAll(async () => {
    await store?.close();
  });

  it('stores each (device, boot, seq) once and reads it back in order', async () => {
    const a = [rec('b', 1, 0, 5000), rec('a', 2, 1, 4000), rec('a', 2, 0, 4100), rec('a', 1, 0, 6000)];
    expect(await store.insert(a, 1000)).toBe(4);
    // Delivered again (a QoS 1 redelivery): nothing new, no error.
    expect(await store.insert([a[1], rec('a', 2, 2, 3900)], 2000)).toBe(1);
    const all = await store.samples();
    expect(all.map((s) => `${s.device}/${s.boot}/${s.seq}`)).toEqual([
      'a/1/0',
      'a/2/0',
      'a/2/1',
      'a/2/2',
      'b/1/0',
    ]);
    expect(all[2]).toEqual({ ...rec('a', 2, 1, 4000), receivedAt: 1000 });
    expect((await store.samples('b')).length).toBe(1);
  });

  it('lists its devices sorted, byte order whatever the locale', async () => {
    await store.insert([rec('a-2', 1, 0, 5000), rec('B', 1, 0, 5000), rec('a_1', 1, 0, 5000)], 3000);
    // Upper case before lower, '-' before '_': a locale collation would put 'B' after 'a'.
    expect(await store.devices()).toEqual(['B', 'a', 'a-2', 'a_1', 'b']);
    for (const d of ['B', 'a-2', 'a_1']) expect((await store.samples(d)).map((x) => x.device)).toEqual([d]);
  });

  it('keeps what was not a record, with the reason', async () => {
    await store.reject({
      receivedAt: 5,
      topic: 'mpheap/x/heap',
      payload: 'mph1 junk',
      reason: 'no checksum',
    });
    expect(await store.count()).toEqual({ samples: 8, rejected: 1 });
  });
});
