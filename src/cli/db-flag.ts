import { isPostgresUrl, redactUrl, replacePassword } from '../store/postgres/pg-types.js';

/** The store a command uses when no `--db` is given: FLIGHTREC_DB, else ./flightrec.db. */
export function defaultDb(): string {
  return process.env['FLIGHTREC_DB'] || './flightrec.db';
}

/** True when printing `db` in a hint would print a secret. */
export function hasPassword(db: string): boolean {
  return isPostgresUrl(db) && redactUrl(db) !== db;
}

/** Quoted for a POSIX shell only when it needs to be, so plain paths stay readable. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The ` --db …` a printed command needs to reach the same store when pasted: nothing when it is
 * the store used by default (FLIGHTREC_DB or ./flightrec.db), a path quoted for the shell, and a
 * PostgreSQL URL without its password, so a hint copied from a terminal or a CI log carries no secret.
 */
export function dbFlag(db: string): string {
  if (db === defaultDb()) return '';
  return ` --db ${shellWord(isPostgresUrl(db) ? replacePassword(db, '') : db)}`;
}

/** The store as messages name it: a URL's password shown as ***. */
export function dbShown(db: string): string {
  return isPostgresUrl(db) ? redactUrl(db) : db;
}

/** The line printed under hints whose `--db` lost its password, or null. */
export function passwordNote(db: string): string | null {
  return dbFlag(db) !== '' && hasPassword(db) ? 'the password is not printed: set PGPASSWORD (or FLIGHTREC_DB to the whole URL) before pasting these' : null;
}
