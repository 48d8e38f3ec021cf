import { MIGRATIONS } from '../../migrations/index.js';
import { openDatabase } from './open-database.js';

/** Brings an existing flightrec database to this version's schema; returns what it applied and the schema's migrations. */
export async function migrateDatabase(path: string): Promise<{ applied: readonly string[]; schema: readonly string[] }> {
  const opened = await openDatabase(path, { mustExist: true });
  await opened.db.destroy();
  return { applied: opened.migrated, schema: Object.keys(MIGRATIONS) };
}
