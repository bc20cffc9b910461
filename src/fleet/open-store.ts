/** `--db FILE.sqlite` or `--db postgres://…`: the one place that chooses the store. */
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { FleetStore } from './store.js';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

export async function openStore(db: string): Promise<FleetStore> {
  if (isPostgresUrl(db)) return PostgresStore.open(db);
  return new SqliteStore(db.replace(/^sqlite:/, ''));
}
