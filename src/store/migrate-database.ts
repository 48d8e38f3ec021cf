import { MIGRATIONS } from '../../migrations/index.js';
import { openDatabase } from './open-database.js';
import { isPostgresUrl } from './postgres/pg-types.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';

/** Brings an existing flightrec database to this version's schema; returns what it applied and the schema's migrations. */
export async function migrateDatabase(path: string): Promise<{ applied: readonly string[]; schema: readonly string[] }> {
  if (isPostgresUrl(path)) {
    const store = await PostgresEventStore.open(path);
    await store.close();
    return { applied: store.migrated, schema: Object.keys(MIGRATIONS) };
  }
  const opened = await openDatabase(path, { mustExist: true });
  await opened.db.destroy();
  return { applied: opened.migrated, schema: Object.keys(MIGRATIONS) };
}
