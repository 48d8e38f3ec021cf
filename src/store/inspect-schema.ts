import type Database from 'better-sqlite3';
import type { Migration } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.js';

/** What an SQLite file holds, as far as flightrec is concerned. */
export type SchemaState =
  | { kind: 'empty' }
  | { kind: 'foreign'; tables: string[] }
  | { kind: 'flightrec'; applied: string[]; pending: string[]; unknown: string[] };

/** kysely's bookkeeping tables; a file with only these (and no rows) is what an interrupted first migration leaves. */
const MIGRATOR_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

/**
 * Reads the file's tables and applied migrations without writing. A flightrec database is one
 * whose kysely migration table names at least one of flightrec's migrations; any other file with
 * tables belongs to someone else.
 */
export function inspectSchema(sqlite: Database.Database, migrations: Readonly<Record<string, Migration>> = MIGRATIONS): SchemaState {
  const tables = (sqlite.prepare("select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' order by name").pluck().all() as string[]);
  const applied = tables.includes('kysely_migration') ? (sqlite.prepare('select name from kysely_migration order by name').pluck().all() as string[]) : [];
  const known = applied.filter((n) => n in migrations);
  if (known.length === 0) {
    const own = tables.filter((t) => !MIGRATOR_TABLES.has(t));
    return own.length === 0 && applied.length === 0 ? { kind: 'empty' } : { kind: 'foreign', tables: own.length > 0 ? own : tables };
  }
  return {
    kind: 'flightrec',
    applied,
    pending: Object.keys(migrations).filter((n) => !applied.includes(n)),
    unknown: applied.filter((n) => !(n in migrations)),
  };
}
