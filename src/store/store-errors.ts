import { FlightrecError } from '../errors/flightrec-error.js';

/** The database was written by a newer flightrec (it has migrations this version does not know). */
export class SchemaTooNewError extends FlightrecError {
  constructor(path: string, unknown: string[]) {
    super(
      'SCHEMA_TOO_NEW',
      `database ${path} was written by a newer flightrec (unknown migrations: ${unknown.join(', ')}); upgrade flightrec to open it`,
      { path, unknown },
    );
  }
}

/** Another writer appended to the run since this writer last did: a run has one writer at a time. */
export class ConcurrencyError extends FlightrecError {
  constructor(run: string, expected: number, actual: number) {
    super(
      'RUN_HAS_ANOTHER_WRITER',
      `run ${run} was appended to by another writer (expected head seq ${expected}, found ${actual}); a run has one writer at a time`,
      { run, expected, actual },
    );
  }
}

/** A write that SQLite refused (disk full, read-only, I/O error...). Nothing of the batch was stored. */
export class StoreWriteError extends FlightrecError {
  constructor(message: string, details: Record<string, unknown>, cause: unknown) {
    super('STORE_WRITE_FAILED', message, details, { cause });
  }
}

/** A blob whose bytes do not hash to its key, or that is missing. */
export class BlobIntegrityError extends FlightrecError {
  constructor(hash: string, problem: 'missing' | 'mismatch') {
    super('BLOB_INTEGRITY', problem === 'missing' ? `blob ${hash} is missing` : `blob ${hash} does not match its sha256`, { hash, problem });
  }
}

/** The database file could not be opened or migrated. */
export class StoreOpenError extends FlightrecError {
  constructor(path: string, cause: unknown) {
    super('STORE_OPEN_FAILED', `cannot open flightrec database ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { path }, { cause });
  }
}

/** The file is not a flightrec database (another program's SQLite file, not SQLite at all, or empty for a reader); nothing in it was changed. */
export class NotFlightrecDatabaseError extends FlightrecError {
  constructor(path: string, why: string) {
    super('NOT_A_FLIGHTREC_DATABASE', `${path} is not a flightrec database: ${why}; flightrec leaves it untouched`, {
      path,
      hint: 'pass --db <path> to name a flightrec database, or a new file to start one',
    });
  }
}

/** A reader found a database written by an older flightrec: readers never migrate, so they name the command that does. */
export class SchemaNeedsMigrationError extends FlightrecError {
  constructor(path: string, pending: string[]) {
    super('SCHEMA_NEEDS_MIGRATION', `database ${path} needs migrating to this flightrec's schema (pending: ${pending.join(', ')}); read commands never change a database`, {
      path,
      pending,
      hint: `run \`npx flightrec migrate --db ${path}\` (any command that records, e.g. demo or import, also migrates it)`,
    });
  }
}

/** A directory where a file was expected (the database, a file to import): named as such, not as "cannot open" or "not found". */
export class PathIsDirectoryError extends FlightrecError {
  constructor(path: string, what: string, example: string) {
    super('PATH_IS_A_DIRECTORY', `${path} is a directory, not ${what}`, { path, hint: `name a file, e.g. ${example}` });
  }
}

/** A run's stored events are not the chain they claim to be (edited, truncated or damaged); `flightrec verify` names the first bad event. */
export class ChainBrokenError extends FlightrecError {
  constructor(run: string, seq: number, problem: string) {
    super('CHAIN_BROKEN', `run ${run}: event seq ${seq} ${problem}; nothing was changed`, { run, seq, problem });
  }
}
