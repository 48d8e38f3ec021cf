import pg from 'pg';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * How the PostgreSQL store reads values back. bigint (int8) columns hold seqs, positions, times
 * in ms and counts: numbers in JavaScript, checked to be safe integers, so a value past 2^53 is
 * an error rather than a silent rounding. numeric (what sum() of bigints gives) likewise. bytea
 * is read as a Buffer, a Uint8Array, by pg itself. Per connection, not pg's global registry.
 */
export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return parseSafeNumber;
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function parseSafeNumber(text: string): number {
  const n = Number(text);
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) throw new RangeError(`PostgreSQL returned ${text}, beyond the integers JavaScript holds exactly (2^53)`);
  return n;
}

/** The URL with its password replaced, for messages and as the store's location. */
export function redactUrl(url: string): string {
  return replacePassword(url, '***');
}

/** The URL with a password it holds replaced by `by` ('' drops it, user kept); one without a password is left as it is. */
export function replacePassword(url: string, by: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = by;
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, by === '' ? '@' : `:${by}@`);
  }
}

/** True for a `--db` value that names a PostgreSQL server. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
