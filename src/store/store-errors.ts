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
