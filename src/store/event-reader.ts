import { from, type Observable } from 'rxjs';
import type { EventType, RecordedEvent } from '../events/registry.js';
import { decodeRow } from './decode-row.js';
import type { EventFilter, EventStore } from './event-store.js';

export interface ReadOptions extends EventFilter {
  /** Stop after this many events. */
  limit?: number;
  /** Rows fetched per query; memory use is bounded by one page whatever the run's length. */
  pageSize?: number;
}

/**
 * A run's events in seq order, filtered, tensors decoded, as an async iterable. Reads page by
 * page (keyset on seq), so a million-event run streams in bounded memory.
 * Throws NotFoundError when the run does not exist.
 */
export async function* readEvents(store: EventStore, runId: string, options: ReadOptions = {}): AsyncGenerator<RecordedEvent> {
  const run = await store.getRun(runId);
  const pageSize = options.pageSize ?? 1000;
  let remaining = options.limit ?? Infinity;
  let after = -1;
  while (remaining > 0) {
    const rows = await store.readPage(run.pk, options, after, Math.min(pageSize, remaining));
    for (const row of rows) yield decodeRow(row, runId, store);
    if (rows.length < Math.min(pageSize, remaining)) return;
    remaining -= rows.length;
    after = rows[rows.length - 1]!.seq;
    // better-sqlite3 answers synchronously: between pages, let timers (progress bars) and signals (Ctrl-C) in.
    await new Promise((r) => setImmediate(r));
  }
}

/** readEvents as an Observable: the same events, order and filtering. */
export function readEvents$(store: EventStore, runId: string, options: ReadOptions = {}): Observable<RecordedEvent> {
  return from(readEvents(store, runId, options));
}

/** Narrows a read to one type with its payload typed. */
export async function* readEventsOfType<T extends EventType>(store: EventStore, runId: string, type: T, options: ReadOptions = {}): AsyncGenerator<RecordedEvent<T>> {
  for await (const e of readEvents(store, runId, { ...options, types: [type] })) yield e as RecordedEvent<T>;
}
