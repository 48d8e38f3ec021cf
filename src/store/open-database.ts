import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { existsSync } from 'node:fs';
import { MIGRATIONS } from '../../migrations/index.js';
import { FlightrecError } from '../errors/flightrec-error.js';
import type { FlightrecDatabase } from './database-schema.js';
import { SchemaTooNewError, StoreOpenError } from './store-errors.js';

export interface OpenedDatabase {
  readonly path: string;
  /** The raw connection, for the SQLite-only hot paths inside src/store. */
  readonly sqlite: Database.Database;
  readonly db: Kysely<FlightrecDatabase>;
}

export interface OpenOptions {
  /** Refuse to create a new file (readers: a mistyped path is an error, not an empty database). */
  mustExist?: boolean;
  readonly?: boolean;
  /** How long a writer waits for another writer's lock before SQLITE_BUSY, in ms. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating when allowed) a flightrec database: WAL, a busy timeout, NORMAL sync, then
 * migrates it to the latest schema. A database with migrations this version does not know was
 * written by a newer flightrec and is refused.
 */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<OpenedDatabase> {
  if (options.mustExist && path !== ':memory:' && !existsSync(path)) {
    throw new FlightrecError('DATABASE_NOT_FOUND', `no flightrec database at ${path} (record a run first, e.g. \`flightrec demo --db ${path}\`)`, { path });
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: options.readonly ?? false });
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 30000}`);
    if (!options.readonly) {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
    }
    sqlite.defaultSafeIntegers(false);
  } catch (e) {
    throw new StoreOpenError(path, e);
  }
  const db = new Kysely<FlightrecDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    if (options.readonly) await refuseNewerSchema(sqlite, path);
    else {
      // kysely runs SQLite migrations without a transaction or a lock; ours makes them atomic and
      // serialises processes that open a new file at the same moment (the second finds them applied).
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        await refuseNewerSchema(sqlite, path);
        await migrate(db, path);
        sqlite.exec('COMMIT');
      } catch (e) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw e;
      }
    }
  } catch (e) {
    await db.destroy().catch(() => undefined);
    if (e instanceof FlightrecError) throw e;
    throw new StoreOpenError(path, e);
  }
  return { path, sqlite, db };
}

async function refuseNewerSchema(sqlite: Database.Database, path: string): Promise<void> {
  const hasTable = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
  if (!hasTable) return;
  const applied = (sqlite.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name);
  const unknown = applied.filter((n) => !(n in MIGRATIONS));
  if (unknown.length > 0) throw new SchemaTooNewError(path, unknown);
}

async function migrate(db: Kysely<FlightrecDatabase>, path: string): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new StoreOpenError(path, new Error(`migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}
