import type { OpenOptions } from '../../store/open-database.js';
import { SqliteEventStore } from '../../store/sqlite-event-store.js';

/**
 * Opens the database, runs `fn`, and closes it whatever happens. The default opens it read-only
 * (never created, never migrated, never written): commands that record pass their own options.
 */
export async function withStore<T>(path: string, fn: (store: SqliteEventStore) => Promise<T>, options: OpenOptions = { readonly: true }): Promise<T> {
  const store = await SqliteEventStore.open(path, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
