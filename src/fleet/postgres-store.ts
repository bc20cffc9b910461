/** The fleet store in PostgreSQL (node-postgres): for big fleets and several collectors. */
import pg from 'pg';
import type { FleetRecord } from './record.js';
import {
  type FleetStore,
  type RejectedRecord,
  SAMPLE_COLUMNS,
  SCHEMA,
  type StoredSample,
  sampleOfRow,
  sampleRow,
} from './store.js';

export class PostgresStore implements FleetStore {
  readonly description: string;
  private constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    this.description = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  }

  /** Connects and creates the tables when they are not there yet. */
  static async open(url: string): Promise<PostgresStore> {
    // Bytes and times are BIGINT, which pg returns as strings by default: they fit a JS number.
    // One connection stays open while idle (idleTimeoutMillis 0) with TCP keep-alive, so a
    // server that goes away is noticed at once, not at the next record.
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      idleTimeoutMillis: 0,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    const store = new PostgresStore(pool, url);
    // Without a listener, an idle client's error would end the process with a stack trace.
    pool.on('error', (e) => store.failed(e));
    try {
      // Two collectors starting at once may both create the tables: serialise with a lock.
      const c = await pool.connect();
      try {
        await c.query('SELECT pg_advisory_lock(7710531)');
        for (const sql of SCHEMA) await c.query(sql);
        await c.query('SELECT pg_advisory_unlock(7710531)');
      } finally {
        c.release();
      }
    } catch (e) {
      await pool.end();
      throw e;
    }
    return store;
  }

  private failureListeners: ((e: Error) => void)[] = [];
  private closing = false;

  onFailure(listener: (e: Error) => void): void {
    this.failureListeners.push(listener);
  }

  private failed(e: Error): void {
    if (this.closing) return;
    for (const l of this.failureListeners) l(e);
  }

  async insert(records: readonly FleetRecord[], receivedAt: number): Promise<number> {
    if (records.length === 0) return 0;
    const values: (string | number | null)[] = [];
    const tuples = records.map((r) => {
      const row = sampleRow(r, receivedAt);
      const at = values.length;
      values.push(...row);
      return `(${row.map((_, i) => `$${at + i + 1}`).join(', ')})`;
    });
    const res = await this.pool.query(
      `INSERT INTO mpheap_samples (${SAMPLE_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
      values,
    );
    return res.rowCount ?? 0;
  }

  async reject(r: RejectedRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO mpheap_rejected (received_at, topic, payload, reason) VALUES ($1, $2, $3, $4)',
      [r.receivedAt, r.topic, r.payload, r.reason],
    );
  }

  async samples(device?: string): Promise<StoredSample[]> {
    const where = device === undefined ? '' : 'WHERE device = $1';
    const res = await this.pool.query(
      `SELECT ${SAMPLE_COLUMNS.join(', ')} FROM mpheap_samples ${where} ORDER BY device, boot, seq`,
      device === undefined ? [] : [device],
    );
    return res.rows.map(sampleOfRow);
  }

  async devices(): Promise<string[]> {
    // COLLATE "C": byte order, as SQLite and JavaScript sort, whatever the database's locale.
    const res = await this.pool.query(
      'SELECT device FROM mpheap_samples GROUP BY device ORDER BY device COLLATE "C"',
    );
    return res.rows.map((r: { device: string }) => r.device);
  }

  async count(): Promise<{ samples: number; rejected: number }> {
    const s = await this.pool.query('SELECT COUNT(*) AS n FROM mpheap_samples');
    const r = await this.pool.query('SELECT COUNT(*) AS n FROM mpheap_rejected');
    return { samples: Number(s.rows[0].n), rejected: Number(r.rows[0].n) };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.pool.end();
  }
}
