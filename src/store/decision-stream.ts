import { decisionEventTypes, type RecordedEvent } from '../events/registry.js';
import { readEvents, type ReadOptions } from './event-reader.js';
import type { EventStore } from './event-store.js';

/** One deliberation with everything recorded about it, in seq order. */
export interface DecisionRecord {
  run: string;
  decision: number;
  episode: number | null;
  step: number | null;
  started: RecordedEvent<'decision.started'>;
  /** Component calls and planner levels of the decision (decision-scoped events between start and outcome). */
  events: RecordedEvent[];
  chose: RecordedEvent<'actor.chose'> | null;
  /** What the environment did with the chosen action; null when the run ended first. */
  outcome: RecordedEvent<'env.stepped'> | null;
}

/**
 * A run's decisions, one record each, in the order they completed. A decision is complete at its
 * env.stepped, or — in runs without outcomes, like open-loop replays — when a later decision
 * starts after it chose; only open decisions are held, so memory is bounded by the number of
 * concurrently open decisions, not by the run's length.
 */
export async function* readDecisions(store: EventStore, runId: string, options: Omit<ReadOptions, 'types' | 'limit'> = {}): AsyncGenerator<DecisionRecord> {
  const open = new Map<number, DecisionRecord>();
  const decisionTypes = decisionEventTypes();
  for await (const e of readEvents(store, runId, { ...options, types: decisionTypes })) {
    if (e.decision === null) continue;
    if (e.type === 'decision.started') {
      for (const [d, rec] of open) {
        if (rec.chose !== null) {
          open.delete(d);
          yield rec;
        }
      }
      open.set(e.decision, { run: runId, decision: e.decision, episode: e.episode, step: e.step, started: e, events: [], chose: null, outcome: null });
      continue;
    }
    const rec = open.get(e.decision);
    if (rec === undefined) continue; // the decision started before the read window
    if (e.type === 'env.stepped') {
      rec.outcome = e;
      open.delete(e.decision);
      yield rec;
      continue;
    }
    if (e.type === 'actor.chose') rec.chose = e;
    rec.events.push(e);
  }
  for (const rec of [...open.values()].sort((a, b) => a.started.seq - b.started.seq)) yield rec;
}

/** The events of one type inside a decision record, typed. */
export function eventsOf<T extends RecordedEvent['type']>(rec: DecisionRecord, type: T): RecordedEvent<T>[] {
  return rec.events.filter((e) => e.type === type) as RecordedEvent<T>[];
}
