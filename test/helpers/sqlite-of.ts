import Database from 'better-sqlite3';
import type { EventStore } from '../../src/store/event-store.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';

/** The raw SQLite connection of a store a test opened on a file (pragmas that simulate a full disk, integrity checks). */
export function sqliteOf(store: EventStore): Database.Database {
  if (!(store instanceof SqliteEventStore)) throw new Error(`the test needs a SQLite store, got ${store.kind} at ${store.location}`);
  return store.sqlite;
}
