import { decisionEventTypes, type RecordedEvent } from '../src/events/registry.js';
import { readEvents } from '../src/store/event-reader.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import type { EventStore } from '../src/store/event-store.js';

export type ReplayItem =
  | { kind: 'decision'; record: DecisionRecord }
  | { kind: 'update'; event: RecordedEvent<'component.updated'> }
  | { kind: 'checkpoint'; event: RecordedEvent<'checkpoint.saved'> };


/**
 * A run's decisions interleaved with its parameter changes, in log order: what a replay walks to
 * keep live components at the versions each decision used. Decisions complete at env.stepped or
 * when the next decision starts; memory holds one open decision.
 */
export async function* replayStream(store: EventStore, runId: string, fromSeq = 0, options: { decisionsOnly?: boolean } = {}): AsyncGenerator<ReplayItem> {
  let open: DecisionRecord | null = null;
  for await (const e of readEvents(store, runId, { types: options.decisionsOnly ? decisionEventTypes() : [...decisionEventTypes(), 'component.updated', 'checkpoint.saved'], seqFrom: fromSeq })) {
    if (e.type === 'component.updated' || e.type === 'checkpoint.saved') {
      if (open !== null) {
        yield { kind: 'decision', record: open };
        open = null;
      }
      yield e.type === 'component.updated' ? { kind: 'update', event: e } : { kind: 'checkpoint', event: e };
      continue;
    }
    if (e.type === 'decision.started') {
      if (open !== null) yield { kind: 'decision', record: open };
      open = { run: runId, decision: e.decision ?? -1, episode: e.episode, step: e.step, started: e, events: [], chose: null, outcome: null };
      continue;
    }
    if (open === null || e.decision !== open.decision) continue;
    if (e.type === 'env.stepped') {
      open.outcome = e;
      yield { kind: 'decision', record: open };
      open = null;
      continue;
    }
    if (e.type === 'actor.chose') open.chose = e;
    open.events.push(e);
  }
  if (open !== null) yield { kind: 'decision', record: open };
}
