import type { EventStore } from './event-store.js';
import type { OpenOptions } from './open-database.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';
import { isPostgresUrl } from './postgres/pg-types.js';
import { SqliteEventStore } from './sqlite-event-store.js';

/**
 * Opens the store a `--db` value names: a `postgres://` or `postgresql://` URL opens the
 * PostgreSQL store, anything else is a SQLite file path. Every command and Recorder.open go
 * through here, so choosing a store is nothing but the value of `--db` (or FLIGHTREC_DB).
 */
export async function openStore(location: string, options: OpenOptions = {}): Promise<EventStore> {
  if (isPostgresUrl(location)) return await PostgresEventStore.open(location, options);
  return await SqliteEventStore.open(location, options);
}
