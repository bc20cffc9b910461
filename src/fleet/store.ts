/**
 * Where the collector keeps records and the fleet view reads them: one interface, implemented by
 * SQLite (sqlite-store.ts, the default: a file) and PostgreSQL (postgres-store.ts, for fleets
 * and several collectors). Writes are idempotent on (device, boot, seq): a record delivered twice
 * (MQTT QoS 1 after a restart) is stored once.
 */
import type { FleetRecord } from './record.js';

export interface StoredSample extends FleetRecord {
  /** When the collector stored it (ms since the epoch). */
  receivedAt: number;
}

export interface RejectedRecord {
  receivedAt: number;
  topic: string;
  payload: string;
  reason: string;
}

export interface FleetStore {
  /** `sqlite:FILE` or `postgres://…` without the password. */
  readonly description: string;
  /** Stores the records; returns how many were new (duplicates are skipped, not errors). */
  insert(records: readonly FleetRecord[], receivedAt: number): Promise<number>;
  /** Keeps a payload that was not a record, with the reason, so nothing sent is lost. */
  reject(r: RejectedRecord): Promise<void>;
  /** Every sample, ordered by device, boot, seq (optionally one device's). */
  samples(device?: string): Promise<StoredSample[]>;
  /**
   * The devices that have samples, sorted: `fleet` reads them one at a time, so its memory is
   * one device's history, not the fleet's.
   */
  devices(): Promise<string[]>;
  count(): Promise<{ samples: number; rejected: number }>;
  /**
   * Calls back when the database fails while nothing is being written (a server that shut
   * down or dropped the connection). Stores that cannot tell (a file) never call it.
   */
  onFailure?(listener: (e: Error) => void): void;
  close(): Promise<void>;
}

/** Column order shared by both stores' SQL. */
export const SAMPLE_COLUMNS = [
  'device',
  'boot',
  'seq',
  'reset',
  'uptime_s',
  'free',
  'used',
  'largest_free',
  'one_blocks',
  'two_blocks',
  'max_new_split',
  'collections',
  'collected',
  'largest_from',
  'received_at',
] as const;

export function sampleRow(r: FleetRecord, receivedAt: number): (string | number | null)[] {
  return [
    r.device,
    r.boot,
    r.seq,
    r.reset,
    r.uptimeS,
    r.free,
    r.used,
    r.largestFree,
    r.oneBlocks,
    r.twoBlocks,
    r.maxNewSplit,
    r.collections,
    r.collected ? 1 : 0,
    r.largestFrom,
    receivedAt,
  ];
}

type Row = Record<(typeof SAMPLE_COLUMNS)[number], unknown>;

export function sampleOfRow(row: Row): StoredSample {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    device: String(row.device),
    boot: Number(row.boot),
    seq: Number(row.seq),
    reset: row.reset === null ? null : String(row.reset),
    uptimeS: Number(row.uptime_s),
    free: Number(row.free),
    used: Number(row.used),
    largestFree: num(row.largest_free),
    oneBlocks: num(row.one_blocks),
    twoBlocks: num(row.two_blocks),
    maxNewSplit: num(row.max_new_split),
    collections: num(row.collections),
    collected: Number(row.collected) === 1,
    largestFrom: row.largest_from === 'firmware' || row.largest_from === 'table' ? row.largest_from : null,
    receivedAt: Number(row.received_at),
  };
}

/** Table definitions, in SQL both databases accept (BIGINT for bytes and times). */
export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS mpheap_samples (
    device TEXT NOT NULL, boot BIGINT NOT NULL, seq BIGINT NOT NULL, reset TEXT,
    uptime_s BIGINT NOT NULL, free BIGINT NOT NULL, used BIGINT NOT NULL, largest_free BIGINT,
    one_blocks BIGINT, two_blocks BIGINT, max_new_split BIGINT, collections BIGINT,
    collected SMALLINT NOT NULL, largest_from TEXT, received_at BIGINT NOT NULL,
    PRIMARY KEY (device, boot, seq))`,
  `CREATE TABLE IF NOT EXISTS mpheap_rejected (
    received_at BIGINT NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL, reason TEXT NOT NULL)`,
];
