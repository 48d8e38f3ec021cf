import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS, READER_OPTIONAL_MIGRATIONS } from '../../migrations/index.js';
import { FlightrecError, InvalidInputError } from '../errors/flightrec-error.js';
import type { FlightrecDatabase } from './database-schema.js';
import { inspectSchema } from './inspect-schema.js';
import { configureWriterConnection } from './writer-connection.js';
import { NotFlightrecDatabaseError, PathIsDirectoryError, SchemaNeedsMigrationError, SchemaTooNewError, StoreOpenError } from './store-errors.js';

export interface OpenedDatabase {
  readonly path: string;
  /** The raw connection, for the SQLite-only hot paths inside src/store. */
  readonly sqlite: Database.Database;
  readonly db: Kysely<FlightrecDatabase>;
  /** The migrations this open applied (none for a reader, or when the schema was up to date). */
  readonly migrated: readonly string[];
}

export interface OpenOptions {
  /** Refuse to create a new file (a mistyped path is an error, not an empty database). Implied by `readonly`. */
  mustExist?: boolean;
  /** Read only: the file is never written, never switched to WAL and never migrated. */
  readonly?: boolean;
  /** How long a writer waits for another writer's lock before SQLITE_BUSY, in ms. */
  busyTimeoutMs?: number;
  /**
   * The page size of a new file, in bytes: a power of two from 512 to 65536 (default 8192). An
   * existing file keeps its own; SQLite fixes it when the first page is written.
   */
  pageSize?: number;
}

/** Blob rows of 1–2 KB left a quarter of 4 KiB pages empty: with 8 KiB pages the demo's file is 11% smaller (bench/README.md "demo database"). */
export const DEFAULT_PAGE_SIZE = 8192;

/**
 * Opens a flightrec database. A writer creates the file when allowed, switches it to WAL with
 * NORMAL sync and migrates it; a reader opens it read-only and changes nothing. Either refuses a
 * file that is not a flightrec database before touching it (so another program's SQLite file stays
 * byte-identical), a database written by a newer flightrec, and, for a reader, one that still needs
 * a migration (naming the command that applies it).
 */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<OpenedDatabase> {
  const pageSize = validPageSize(options.pageSize);
  const memory = path === ':memory:';
  const exists = memory ? false : existsSync(path);
  if (exists && statSync(path).isDirectory()) throw new PathIsDirectoryError(path, 'a database file', join(path, 'flightrec.db'));
  if ((options.mustExist || options.readonly) && !exists) {
    throw new FlightrecError('DATABASE_NOT_FOUND', `no flightrec database at ${path} (record a run first, e.g. \`npx flightrec demo --db ${path}\`)`, { path });
  }
  // Look before opening for writing: a writable connection on a WAL file already writes beside it.
  if (exists && statSync(path).size > 0) {
    const probe = openReadOnly(path);
    try {
      const state = inspectSchema(probe);
      refuseUnusable(state, path, options.readonly === true);
      if (options.readonly) return withKysely(path, probe);
    } catch (e) {
      probe.close();
      throw e;
    }
    probe.close();
  } else if (options.readonly) {
    throw new NotFlightrecDatabaseError(path, 'it is empty (no flightrec tables yet)');
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
    configureWriterConnection(sqlite, options.busyTimeoutMs ?? 30000);
    // Before WAL, which fixes the page size of a new file. Then incremental auto-vacuum, which
    // only a new file can take (set first, it would fix the default page size): it lets compaction
    // give the pages it frees back to the filesystem.
    sqlite.pragma(`page_size = ${pageSize}`);
    if (!exists || statSync(path).size === 0) sqlite.pragma('auto_vacuum = INCREMENTAL');
    sqlite.pragma('journal_mode = WAL');
  } catch (e) {
    throw new StoreOpenError(path, e);
  }
  const migrated: string[] = [];
  const opened = withKysely(path, sqlite, migrated);
  try {
    // kysely runs SQLite migrations without a transaction or a lock; ours makes them atomic and
    // serialises processes that open a new file at the same moment (the second finds them applied).
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      refuseUnusable(inspectSchema(sqlite), path, false);
      migrated.push(...(await migrate(opened.db, path)));
      sqlite.exec('COMMIT');
    } catch (e) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw e;
    }
    // A new file ran every migration, so it holds the pages of indexes a later one dropped as free
    // space: given back while the file is empty and VACUUM costs nothing (an old file migrated in
    // place keeps them until the user runs VACUUM, which rewrites the whole file).
    if (migrated.length > 1 && migrated.length === Object.keys(MIGRATIONS).length) sqlite.exec('VACUUM');
  } catch (e) {
    await opened.db.destroy().catch(() => undefined);
    if (e instanceof FlightrecError) throw e;
    throw new StoreOpenError(path, e);
  }
  return opened;
}

function validPageSize(size: number | undefined): number {
  if (size === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 512 || size > 65536 || (size & (size - 1)) !== 0) {
    throw new InvalidInputError(`pageSize must be a power of two from 512 to 65536 bytes, got ${String(size)}`, { field: 'pageSize', value: size });
  }
  return size;
}

function withKysely(path: string, sqlite: Database.Database, migrated: readonly string[] = []): OpenedDatabase {
  return { path, sqlite, migrated, db: new Kysely<FlightrecDatabase>({ dialect: new SqliteDialect({ database: sqlite }) }) };
}

/**
 * A read-only connection. A WAL database needs its -shm file: when that is missing and the
 * directory cannot be written (a read-only copy, a mounted snapshot), SQLite refuses even to read,
 * so the file is read into memory instead (marked rollback-journal there: an in-memory copy has no WAL).
 */
function openReadOnly(path: string): Database.Database {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
    sqlite.pragma("busy_timeout = 30000");
    sqlite.defaultSafeIntegers(false);
  } catch (e) {
    throw new StoreOpenError(path, e);
  }
  try {
    sqlite.prepare('select count(*) from sqlite_master').get();
    return sqlite;
  } catch (e) {
    sqlite.close();
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw new NotFlightrecDatabaseError(path, 'it is not an SQLite database');
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_READONLY') throw new StoreOpenError(path, e);
  }
  const bytes = readFileSync(path);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  try {
    const copy = new Database(bytes, { readonly: true });
    copy.defaultSafeIntegers(false);
    copy.prepare('select count(*) from sqlite_master').get();
    return copy;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') throw new NotFlightrecDatabaseError(path, 'it is not an SQLite database');
    throw new StoreOpenError(path, e);
  }
}

function refuseUnusable(state: ReturnType<typeof inspectSchema>, path: string, reader: boolean): void {
  if (state.kind === 'foreign') throw new NotFlightrecDatabaseError(path, `it holds another program's tables (${state.tables.slice(0, 5).join(', ')}${state.tables.length > 5 ? ', …' : ''})`);
  if (state.kind === 'empty') {
    if (reader) throw new NotFlightrecDatabaseError(path, 'it is empty (no flightrec tables yet)');
    return;
  }
  if (state.unknown.length > 0) throw new SchemaTooNewError(path, state.unknown);
  const needed = state.pending.filter((n) => !READER_OPTIONAL_MIGRATIONS.has(n));
  if (reader && needed.length > 0) throw new SchemaNeedsMigrationError(path, needed);
}

async function migrate(db: Kysely<FlightrecDatabase>, path: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new StoreOpenError(path, new Error(`migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
