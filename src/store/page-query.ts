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

/** One condition of a page query: a column (or SQL on one), an operator and its value. */
export interface PageCondition {
  column: 'run_pk' | 'seq' | 'type_id' | 'type' | '+type' | 'episode' | 'step' | 'decision' | 'component';
  op: '=' | '>' | '<=' | '>=' | 'in';
  value: number | string | readonly string[];
}

/**
 * The conditions of one page of a run's events, in the order they are bound. One type goes through
 * the (run, type id, seq) index, its text compared too (ids may collide); several types, and
 * everything else, through (run, seq) within the window, the other filters checked on the rows it
 * walks.
 */
export function pageConditions(kind: StoreKind, runPk: number, filter: EventFilter, window: SeqWindow): PageCondition[] {
  const out: PageCondition[] = [
    { column: 'run_pk', op: '=', value: runPk },
    { column: 'seq', op: '>', value: window.after },
  ];
  if (window.to !== null) out.push({ column: 'seq', op: '<=', value: window.to });
  const types = filter.types;
  if (types !== undefined && types.length === 1) out.push({ column: 'type_id', op: '=', value: eventTypeId(types[0]!) }, { column: 'type', op: '=', value: types[0]! });
  // Unary + keeps SQLite on the (run, seq) index for type lists: the type index would need a sort per page.
  else if (types !== undefined && types.length > 1) out.push({ column: kind === 'sqlite' ? '+type' : 'type', op: 'in', value: [...types] });
  if (filter.episode !== undefined) out.push({ column: 'episode', op: '=', value: filter.episode });
  if (filter.stepFrom !== undefined) out.push({ column: 'step', op: '>=', value: filter.stepFrom });
  if (filter.stepTo !== undefined) out.push({ column: 'step', op: '<=', value: filter.stepTo });
  if (filter.decision !== undefined) out.push({ column: 'decision', op: '=', value: filter.decision });
  if (filter.component !== undefined) out.push({ column: 'component', op: '=', value: filter.component });
  return out;
}

/** The page as a kysely query, which both stores run: in seq order on the (run, seq) or (run, type id, seq) index, at most `limit` rows. */
export function pageQuery(db: Kysely<FlightrecDatabase>, conditions: readonly PageCondition[], limit: number) {
  let q = db.selectFrom('events').select(EVENT_COLUMNS);
  for (const c of conditions) q = q.where(c.column === '+type' ? sql<string>`+type` : c.column, c.op, c.value as never);
  return q.orderBy('seq').limit(limit);
}

/**
 * What a page query's SQL text depends on: the columns, operators and list lengths of its
 * conditions. Pages of the same shape share one prepared statement, bound with `pageParameters`.
 */
export function pageShape(conditions: readonly PageCondition[]): string {
  return conditions.map((c) => `${c.column}${c.op}${Array.isArray(c.value) ? c.value.length : ''}`).join(',');
}

/** The values a page query binds, in the order kysely compiles them: the conditions' values, then the limit. */
export function pageParameters(conditions: readonly PageCondition[], limit: number): unknown[] {
  const out: unknown[] = [];
  for (const c of conditions) {
    if (Array.isArray(c.value)) out.push(...(c.value as readonly string[]));
    else out.push(c.value);
  }
  out.push(limit);
  return out;
}
