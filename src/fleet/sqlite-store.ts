/** The fleet store in one SQLite file (better-sqlite3): the default, nothing to run. */
import Database from 'better-sqlite3';
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

export class SqliteStore implements FleetStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly insertOne: Database.Statement;
  private readonly insertMany: (rows: (string | number | null)[][]) => number;

  constructor(file: string) {
    this.description = `sqlite:${file}`;
    this.db = new Database(file);
    // WAL: the fleet view reads while a collector writes. NORMAL: a commit survives the
    // collector's crash (what MQTT acknowledgements rely on), not the machine's power loss.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    for (const sql of SCHEMA) this.db.exec(sql);
    this.insertOne = this.db.prepare(
      `INSERT INTO mpheap_samples (${SAMPLE_COLUMNS.join(', ')}) VALUES (${SAMPLE_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`,
    );
    this.insertMany = this.db.transaction((rows: (string | number | null)[][]) => {
      let added = 0;
      for (const row of rows) added += this.insertOne.run(row).changes;
      return added;
    });
  }

  async insert(records: readonly FleetRecord[], receivedAt: number): Promise<number> {
    return this.insertMany(records.map((r) => sampleRow(r, receivedAt)));
  }

  async reject(r: RejectedRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO mpheap_rejected (received_at, topic, payload, reason) VALUES (?, ?, ?, ?)')
      .run(r.receivedAt, r.topic, r.payload, r.reason);
  }

  async samples(device?: string): Promise<StoredSample[]> {
    const where = device === undefined ? '' : 'WHERE device = ?';
    const rows = this.db
      .prepare(`SELECT ${SAMPLE_COLUMNS.join(', ')} FROM mpheap_samples ${where} ORDER BY device, boot, seq`)
      .all(...(device === undefined ? [] : [device])) as Parameters<typeof sampleOfRow>[0][];
    return rows.map(sampleOfRow);
  }

  async devices(): Promise<string[]> {
    const rows = this.db.prepare('SELECT DISTINCT device FROM mpheap_samples ORDER BY device').all() as {
      device: string;
    }[];
    return rows.map((r) => r.device);
  }

  async count(): Promise<{ samples: number; rejected: number }> {
    const s = this.db.prepare('SELECT COUNT(*) AS n FROM mpheap_samples').get() as { n: number };
    const r = this.db.prepare('SELECT COUNT(*) AS n FROM mpheap_rejected').get() as { n: number };
    return { samples: s.n, rejected: r.n };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
