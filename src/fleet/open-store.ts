/** `--db FILE.sqlite` or `--db postgres://…`: the one place that chooses the store. */
import type { FleetStore } from './store.js';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Loads only the chosen store's module, so pg and better-sqlite3 are not both loaded each time. */
export async function openStore(db: string): Promise<FleetStore> {
  if (isPostgresUrl(db)) return (await import('./postgres-store.js')).PostgresStore.open(db);
  const { SqliteStore } = await import('./sqlite-store.js');
  return new SqliteStore(db.replace(/^sqlite:/, ''));
}
