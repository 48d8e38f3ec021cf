import type Database from 'better-sqlite3';
import type { EventType, RecordedEvent } from '../events/registry.js';
import { decodeRow } from './decode-row.js';
import { eventTypeId } from './event-type-id.js';
import { readEventsOfType } from './event-reader.js';
import type { EventRow, EventStore, RunRow } from './event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

const statements = new WeakMap<Database.Database, { all: Database.Statement; first: Database.Statement }>();

/**
 * One run's events of one type in seq order. For views that read a few events of each of many
 * runs (the viewer's runs table: run.started and the episode ends of 1,000 runs), where a paged
 * query builder per run costs more than the rows. On SQLite a statement prepared once per
 * connection walks the (run, type id, seq) index; other stores go through the paged reader. `first`
 * reads only the first such event.
 */
export async function runEventsOfType<T extends EventType>(store: EventStore, run: Pick<RunRow, 'pk' | 'id'>, type: T, options: { first?: boolean } = {}): Promise<RecordedEvent<T>[]> {
  if (!(store instanceof SqliteEventStore)) {
    const out: RecordedEvent<T>[] = [];
    for await (const e of readEventsOfType(store, run.id, type, options.first ? { limit: 1 } : {})) out.push(e);
    return out;
  }
  let s = statements.get(store.sqlite);
  if (s === undefined) {
    s = {
      // (run, type id, seq) gives both the rows and their order: no sort, and no walk of the run's every event.
      all: store.sqlite.prepare('select * from events where run_pk = ? and type_id = ? and type = ? order by seq'),
      first: store.sqlite.prepare('select * from events where run_pk = ? and type_id = ? and type = ? order by seq limit 1'),
    };
    statements.set(store.sqlite, s);
  }
  const rows = store.segments.has(run.pk) ? store.segments.rows(run.pk, { types: [type] }, -1, null, options.first ? 1 : Infinity) : ((options.first ? s.first : s.all).all(run.pk, eventTypeId(type), type) as EventRow[]);
  return rows.map((row) => decodeRow(row, run.id, store) as RecordedEvent<T>);
}
