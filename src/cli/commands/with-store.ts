import type { OpenOptions } from '../../store/open-database.js';
import type { EventStore } from '../../store/event-store.js';
import { openStore } from '../../store/open-store.js';

/**
 * Opens the database, runs `fn`, and closes it whatever happens. The default opens it read-only
 * (never created, never migrated, never written): commands that record pass their own options.
 */
export async function withStore<T>(path: string, fn: (store: EventStore) => Promise<T>, options: OpenOptions = { readonly: true }): Promise<T> {
  const store = await openStore(path, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
