import type { EventStore } from './event-store.js';
import { eventTypeId } from './event-type-id.js';

/** A run's decisions in seq order, columnar (decision id, episode, step): the viewer's timeline. */
export interface DecisionIndex {
  seq: number[];
  decision: number[];
  episode: (number | null)[];
  step: (number | null)[];
}

const STARTED = 'decision.started';

/** A run's decision.started rows, on the (run, type id, seq) index (the text compared too: ids may collide). */
function startedRows(store: EventStore, runPk: number) {
  return store.db.selectFrom('events').where('run_pk', '=', runPk).where('type_id', '=', eventTypeId(STARTED)).where('type', '=', STARTED);
}

/**
 * Every decision of a run from the envelope columns alone (no payload is decoded), on the
 * (run, type id, seq) index in seq order: a 1M-event run's ~60k decisions in one query.
 */
export async function readDecisionIndex(store: EventStore, runPk: number): Promise<DecisionIndex> {
  const rows = store.segments?.has(runPk) ? store.segments.events(runPk, { types: [STARTED] }, -1, null, Infinity) : await startedRows(store, runPk).select(['seq', 'decision', 'episode', 'step']).orderBy('seq').execute();
  const out: DecisionIndex = { seq: new Array(rows.length), decision: new Array(rows.length), episode: new Array(rows.length), step: new Array(rows.length) };
  rows.forEach((r, i) => {
    out.seq[i] = r.seq;
    out.decision[i] = r.decision ?? -1;
    out.episode[i] = r.episode;
    out.step[i] = r.step;
  });
  return out;
}

/** Decisions per run, for every run at once (decision ids with any event, from the decision_spans projection). */
export async function countDecisions(store: EventStore): Promise<Map<number, number>> {
  const rows = await store.db
    .selectFrom('decision_spans')
    .select(['run_pk', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('run_pk')
    .execute();
  return new Map(rows.map((r) => [r.run_pk, Number(r.n)]));
}

/**
 * The decision id of a run at (episode, step), or null: how a decision is found in a derived run.
 * The episode's span bounds the walk to that episode's decision.started rows.
 */
export async function decisionAt(store: EventStore, runPk: number, episode: number, step: number): Promise<number | null> {
  const span = await store.db.selectFrom('episode_spans').select(['first_seq', 'last_seq']).where('run_pk', '=', runPk).where('episode', '=', episode).executeTakeFirst();
  if (span === undefined) return null;
  if (store.segments?.has(runPk)) return store.segments.events(runPk, { types: [STARTED], episode, stepFrom: step, stepTo: step }, span.first_seq - 1, span.last_seq, 1)[0]?.decision ?? null;
  const row = await startedRows(store, runPk)
    .select('decision')
    .where('seq', '>=', span.first_seq)
    .where('seq', '<=', span.last_seq)
    .where('episode', '=', episode)
    .where('step', '=', step)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return row?.decision ?? null;
}

/** The nearest decision ids before and after `decision` in a run, or null at either end (the decision_spans key). */
export async function neighbourDecisions(store: EventStore, runPk: number, decision: number): Promise<{ prev: number | null; next: number | null }> {
  const q = () => store.db.selectFrom('decision_spans').select('decision').where('run_pk', '=', runPk);
  const prev = await q().where('decision', '<', decision).orderBy('decision', 'desc').limit(1).executeTakeFirst();
  const next = await q().where('decision', '>', decision).orderBy('decision', 'asc').limit(1).executeTakeFirst();
  return { prev: prev?.decision ?? null, next: next?.decision ?? null };
}

/** Each recorded change of a component's version (component.updated), from the envelope columns: seq order. */
export async function readVersionChanges(store: EventStore, runPk: number): Promise<{ seq: number; component: string | null; version: string | null }[]> {
  const type = 'component.updated';
  if (store.segments?.has(runPk)) return store.segments.events(runPk, { types: [type] }, -1, null, Infinity).map((e) => ({ seq: e.seq, component: e.component, version: e.version }));
  return await store.db
    .selectFrom('events')
    .select(['seq', 'component', 'version'])
    .where('run_pk', '=', runPk)
    .where('type_id', '=', eventTypeId(type))
    .where('type', '=', type)
    .orderBy('seq')
    .execute();
}

/** Decisions of one run (decision ids with any event, from the decision_spans projection). */
export async function countRunDecisions(store: EventStore, runPk: number): Promise<number> {
  const row = await store.db
    .selectFrom('decision_spans')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_pk', '=', runPk)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
