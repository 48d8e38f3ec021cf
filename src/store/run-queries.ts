import type { Kysely } from 'kysely';
import { NotFoundError } from '../errors/flightrec-error.js';
import type { FlightrecDatabase } from './database-schema.js';
import type { RunRow } from './event-store.js';

// The run lookups every store answers the same way, in SQL both dialects speak.

/** The run `found` by id, or NotFoundError naming the id and a few runs that do exist. */
export async function runOrNotFound(db: Kysely<FlightrecDatabase>, id: string, found: RunRow | undefined): Promise<RunRow> {
  if (found !== undefined) return found;
  const some = await db.selectFrom('runs').select('id').orderBy('pk', 'desc').limit(5).execute();
  throw new NotFoundError('run', id, { hint: some.length ? `recent runs: ${some.map((r) => r.id).join(', ')}` : 'the database has no runs' });
}

/** All runs, newest first. Event count is head_seq + 1 because seq is gapless from 0. */
export async function listAllRuns(db: Kysely<FlightrecDatabase>): Promise<RunRow[]> {
  return await db.selectFrom('runs').selectAll().orderBy('pk', 'desc').execute();
}
