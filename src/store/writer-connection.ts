import type Database from 'better-sqlite3';

/**
 * The per-connection settings of every connection that writes a flightrec file: the store's own
 * and its writer thread's. They are not stored in the file, so both must set them, and they must
 * agree: a thread writing with another `synchronous` would change what survives a crash.
 */
export function configureWriterConnection(sqlite: Database.Database, busyTimeoutMs: number): void {
  sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.defaultSafeIntegers(false);
}
