import { Migrator, sql, type Kysely } from 'kysely';
import { MIGRATIONS, READER_OPTIONAL_MIGRATIONS } from '../../../migrations/index.js';
import { FlightrecError } from '../../errors/flightrec-error.js';
import type { FlightrecDatabase } from '../database-schema.js';
import { NotFlightrecDatabaseError, SchemaNeedsMigrationError, SchemaTooNewError, StoreOpenError } from '../store-errors.js';

/**
 * Brings a PostgreSQL database to this version's schema with the same migrations as SQLite
 * (kysely's Migrator, which holds an advisory lock, so writers starting together migrate once).
 * A reader changes nothing: it refuses a database without flightrec's tables or with migrations
 * pending. Either refuses one migrated by a newer flightrec. Returns the migrations applied.
 */
export async function migratePostgres(db: Kysely<FlightrecDatabase>, location: string, reader: boolean): Promise<string[]> {
  let applied: string[];
  let schema: string;
  try {
    schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s;
    const table = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db);
    applied = table.rows[0]?.t == null ? [] : (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
  } catch (e) {
    throw new StoreOpenError(location, e);
  }
  const unknown = applied.filter((n) => !(n in MIGRATIONS));
  if (unknown.length > 0) throw new SchemaTooNewError(location, unknown);
  const pending = Object.keys(MIGRATIONS).filter((n) => !applied.includes(n));
  if (reader) {
    if (applied.length === 0) throw new NotFlightrecDatabaseError(location, 'it is empty (no flightrec tables yet)');
    const needed = pending.filter((n) => !READER_OPTIONAL_MIGRATIONS.has(n));
    if (needed.length > 0) throw new SchemaNeedsMigrationError(location, needed);
    return [];
  }
  if (pending.length === 0) return [];
  // The schema named explicitly: kysely otherwise finds its tables in any schema of the database
  // (another flightrec store beside this one) and skips creating them in this one.
  const migrator = new Migrator({ db, migrationTableSchema: schema, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    if (error instanceof FlightrecError) throw error;
    throw new StoreOpenError(location, new Error(`migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
