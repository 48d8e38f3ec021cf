import type { EventStore, GlobalPage } from '../../src/store/event-store.js';

/**
 * `readGlobal` from `cursor` until the page holds `rows` rows (or 60 s pass), as a follower reads
 * again. On PostgreSQL a page only reaches below the server's xmin, which a transaction of another
 * test running alongside can hold back for a moment; on SQLite the first read is the answer.
 */
export async function readGlobalUntil(store: EventStore, cursor: string | null, limit: number, rows: number): Promise<GlobalPage> {
  let page = await store.readGlobal(cursor, limit);
  for (const until = Date.now() + 60_000; page.rows.length < rows && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 50));
    page = await store.readGlobal(cursor, limit);
  }
  return page;
}
