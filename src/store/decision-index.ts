import type { EventStore } from './event-store.js';

/** A run's decisions in seq order, columnar (decision id, episode, step): the viewer's timeline. */
export interface DecisionIndex {
  seq: number[];
  decision: number[];
  episode: (number | null)[];
  step: (number | null)[];
}

/**
 * Every decision of a run from the envelope columns alone (no payload is decoded), on the
 * (run, type) index: a 1M-event run's ~60k decisions in one query.
 */
export async function readDecisionIndex(store: EventStore, runPk: number): Promise<DecisionIndex> {
  const rows = await store.db
    .selectFrom('events')
    .select(['seq', 'decision', 'episode', 'step'])
    .where('run_pk', '=', runPk)
    .where('type', '=', 'decision.started')
    .orderBy('seq')
    .execute();
  const out: DecisionIndex = { seq: new Array(rows.length), decision: new Array(rows.length), episode: new Array(rows.length), step: new Array(rows.length) };
  rows.forEach((r, i) => {
    out.seq[i] = r.seq;
    out.decision[i] = r.decision ?? -1;
    out.episode[i] = r.episode;
    out.step[i] = r.step;
  });
  return out;
}

/** Decisions per run, for every run at once (one grouped scan of the (run, type) index). */
export async function countDecisions(store: EventStore): Promise<Map<number, number>> {
  const rows = await store.db
    .selectFrom('events')
    .select(['run_pk', (eb) => eb.fn.countAll<number>().as('n')])
    .where('type', '=', 'decision.started')
    .groupBy('run_pk')
    .execute();
  return new Map(rows.map((r) => [r.run_pk, Number(r.n)]));
}

/** The decision id of a run at (episode, step), or null: how a decision is found in a derived run. */
export async function decisionAt(store: EventStore, runPk: number, episode: number, step: number): Promise<number | null> {
  const row = await store.db
    .selectFrom('events')
    .select('decision')
    .where('run_pk', '=', runPk)
    .where('episode', '=', episode)
    .where('step', '=', step)
    .where('type', '=', 'decision.started')
    .limit(1)
    .executeTakeFirst();
  return row?.decision ?? null;
}

/** The nearest decision ids before and after `decision` in a run, or null at either end. */
export async function neighbourDecisions(store: EventStore, runPk: number, decision: number): Promise<{ prev: number | null; next: number | null }> {
  const q = () => store.db.selectFrom('events').select('decision').where('run_pk', '=', runPk).where('type', '=', 'decision.started');
  const prev = await q().where('decision', '<', decision).orderBy('decision', 'desc').limit(1).executeTakeFirst();
  const next = await q().where('decision', '>', decision).orderBy('decision', 'asc').limit(1).executeTakeFirst();
  return { prev: prev?.decision ?? null, next: next?.decision ?? null };
}

/** Each recorded change of a component's version (component.updated, checkpoint.saved), from the envelope columns: seq order. */
export async function readVersionChanges(store: EventStore, runPk: number): Promise<{ seq: number; component: string | null; version: string | null }[]> {
  return await store.db
    .selectFrom('events')
    .select(['seq', 'component', 'version'])
    .where('run_pk', '=', runPk)
    .where('type', '=', 'component.updated')
    .orderBy('seq')
    .execute();
}

/** Decisions of one run (the (run, type) index). */
export async function countRunDecisions(store: EventStore, runPk: number): Promise<number> {
  const row = await store.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_pk', '=', runPk)
    .where('type', '=', 'decision.started')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
