import { sql, type Kysely } from 'kysely';
import type { FlightrecDatabase } from './database-schema.js';
import type { SeqSpan } from './event-spans.js';
import { eventTypeId } from './event-type-id.js';
import type { EventFilter, StoreKind } from './event-store.js';

/** The columns of an events row as readers get it (PostgreSQL's transaction id stays inside its store). */
export const EVENT_COLUMNS = ['run_pk', 'seq', 'id', 'type', 'type_id', 'v', 't', 'episode', 'step', 'decision', 'component', 'version', 'parent', 'payload', 'hash', 'pos'] as const;

/** The seqs a page may hold: greater than `after`, at most `to` (null: no upper bound). */
export interface SeqWindow {
  after: number;
  to: number | null;
}

/**
 * The seq window of a filtered read: seqFrom/seqTo and, for a decision or an episode, its span
 * from the projection tables (`span`), so the read walks the (run, seq) index over a few rows in
 * seq order instead of an index per column. Null when nothing can match (no such decision).
 */
export async function seqWindow(filter: EventFilter, afterSeq: number, span: (key: 'decision' | 'episode', value: number) => SeqSpan | undefined | Promise<SeqSpan | undefined>): Promise<SeqWindow | null> {
  let after = afterSeq;
  let to = filter.seqTo ?? null;
  if (filter.seqFrom !== undefined) after = Math.max(after, filter.seqFrom - 1);
  for (const key of ['decision', 'episode'] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    const s = await span(key, value);
    if (s === undefined) return null;
    after = Math.max(after, s.first - 1);
    to = to === null ? s.last : Math.min(to, s.last);
  }
  return to !== null && to <= after ? null : { after, to };
}

/**
 * One page of a run's events in seq order, as a kysely query both stores run (SQLite through a
 * statement prepared per SQL text). One type goes through the (run, type id, seq) index, its text
 * compared too (ids may collide); several types, and everything else, through (run, seq) within
 * the window, the other filters checked on the rows it walks.
 */
export function pageQuery(db: Kysely<FlightrecDatabase>, kind: StoreKind, runPk: number, filter: EventFilter, window: SeqWindow, limit: number) {
  let q = db.selectFrom('events').select(EVENT_COLUMNS).where('run_pk', '=', runPk).where('seq', '>', window.after);
  if (window.to !== null) q = q.where('seq', '<=', window.to);
  const types = filter.types;
  if (types !== undefined && types.length === 1) q = q.where('type_id', '=', eventTypeId(types[0]!)).where('type', '=', types[0]!);
  // Unary + keeps SQLite on the (run, seq) index for type lists: the type index would need a sort per page.
  else if (types !== undefined && types.length > 1) q = q.where(kind === 'sqlite' ? sql<string>`+type` : sql<string>`type`, 'in', [...types]);
  if (filter.episode !== undefined) q = q.where('episode', '=', filter.episode);
  if (filter.stepFrom !== undefined) q = q.where('step', '>=', filter.stepFrom);
  if (filter.stepTo !== undefined) q = q.where('step', '<=', filter.stepTo);
  if (filter.decision !== undefined) q = q.where('decision', '=', filter.decision);
  if (filter.component !== undefined) q = q.where('component', '=', filter.component);
  return q.orderBy('seq').limit(limit);
}
