import type { OpenOptions } from '../../store/open-database.js';
import { SqliteEventStore } from '../../store/sqlite-event-store.js';

/**
 * Opens the database, runs `fn`, and closes it whatever happens. Readers pass the default
 * `mustExist`, so a mistyped --db path is an error rather than a new empty database.
 */
export async function withStore<T>(path: string, fn: (store: SqliteEventStore) => Promise<T>, options: OpenOptions = { mustExist: true }): Promise<T> {
  const store = await SqliteEventStore.open(path, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
