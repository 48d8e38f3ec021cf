import type { Migration } from 'kysely';
import * as m0001 from './0001-initial-schema.js';
import * as m0002 from './0002-projections-and-type-ids.js';

/**
 * Every migration, in order. Append-only: a released migration is never edited or removed,
 * because databases in the field record its name as applied.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': m0001,
  '0002-projections-and-type-ids': m0002,
};
