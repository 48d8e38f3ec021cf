import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** The server the PostgreSQL tests use: FLIGHTREC_PG_URL, a database they may create schemas in. */
export const PG_URL = process.env['FLIGHTREC_PG_URL'] ?? '';

/**
 * Whether the PostgreSQL tests must run: under CI (CI set) or when FLIGHTREC_PG_URL names a
 * server they must not skip; a missing or unreachable server is then a failure.
 */
export const PG_REQUIRED = process.env['CI'] !== undefined || PG_URL !== '';

let reachable: Promise<string | null> | undefined;

/**
 * Why the PostgreSQL tests cannot run here (null when they can). When they are not required the
 * reason is printed loudly, once, so a skip is never silent.
 */
export function postgresUnavailable(): Promise<string | null> {
  reachable ??= (async () => {
    if (PG_URL === '') return 'FLIGHTREC_PG_URL is not set';
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 30_000 });
    try {
      await c.connect();
      await c.query('select 1');
      return null;
    } catch (e) {
      return `cannot reach ${PG_URL.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`;
    } finally {
      await c.end().catch(() => undefined);
    }
  })().then((why) => {
    if (why !== null && !PG_REQUIRED) process.stderr.write(`\n!!! PostgreSQL tests SKIPPED: ${why}. Set FLIGHTREC_PG_URL=postgres://user:pass@host:port/db to run them. !!!\n\n`);
    return why;
  });
  return reachable;
}

/** A fresh schema on the test server and a URL whose connections use it, dropped by `drop`. */
export async function freshSchema(label: string): Promise<{ url: string; schema: string; drop: () => Promise<void> }> {
  const schema = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  // pg reads a space in `options` only as %20 (URLSearchParams would write '+').
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return { url, schema, drop: async () => void (await adminQuery(`drop schema if exists ${schema} cascade`)) };
}

/** One statement on the test server (as the URL's role), outside any store. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query<R>(text, values)).rows;
  } finally {
    await c.end();
  }
}
