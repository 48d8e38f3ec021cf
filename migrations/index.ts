import type { Migration } from 'kysely';
import * as m0001 from './0001-initial-schema.js';
import * as m0002 from './0002-projections-and-type-ids.js';
import * as m0003 from './0003-event-segments.js';

/**
 * Every migration, in order. Append-only: a released migration is never edited or removed,
 * because databases in the field record its name as applied.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': m0001,
  '0002-projections-and-type-ids': m0002,
  '0003-event-segments': m0003,
};

/**
 * Migrations that only add what a reader can do without: a file that lacks them has nothing they
 * would hold (0003's segments exist only once a run is compacted, by a writer that migrated), so
 * read commands open it as it is instead of asking for `flightrec migrate`.
 */
export const READER_OPTIONAL_MIGRATIONS: ReadonlySet<string> = new Set(['0003-event-segments']);
