import { PostgresAdapter, type ColumnDataType, type Kysely } from 'kysely';

/**
 * Column types for the database a migration runs on, so one migration serves both stores with
 * honest types: SQLite's integer is 64-bit and its blob is bytes; on PostgreSQL that is bigint
 * (read back as a JavaScript number, checked safe, by the store) and bytea.
 */
export interface DialectTypes {
  readonly postgres: boolean;
  readonly int: ColumnDataType;
  readonly bytes: ColumnDataType;
}

export function dialectTypes(db: Kysely<unknown>): DialectTypes {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return postgres ? { postgres, int: 'bigint', bytes: 'bytea' } : { postgres, int: 'integer', bytes: 'blob' };
}
