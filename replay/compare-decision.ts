import type { EventInput } from '../src/events/registry.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import { firstDifference } from './compare-events.js';

/** What re-running one decision showed, as data. */
export type DecisionOutcome =
  | { decision: number; episode: number | null; step: number | null; status: 'reproduced' }
  | { decision: number; episode: number | null; step: number | null; status: 'diverged'; seq: number; event_type: string; field: string; recorded: string; replayed: string }
  | { decision: number; episode: number | null; step: number | null; status: 'error'; code: string; message: string };

/** Compares a decision's recorded calls with a re-run's, event by event; the first difference decides. */
export function compareDecision(rec: DecisionRecord, replayed: readonly { seq: number; event: EventInput }[]): DecisionOutcome {
  const where = { decision: rec.decision, episode: rec.episode, step: rec.step };
  const recorded = rec.events;
  const n = Math.max(recorded.length, replayed.length);
  for (let i = 0; i < n; i++) {
    const a = recorded[i];
    const b = replayed[i];
    if (a === undefined || b === undefined) {
      return {
        ...where,
        status: 'diverged',
        seq: a?.seq ?? b!.seq,
        event_type: (a ?? b!.event).type,
        field: 'type',
        recorded: a ? a.type : '(no event)',
        replayed: b ? b.event.type : '(no event)',
      };
    }
    const d = firstDifference(a as unknown as Record<string, unknown>, b.event as unknown as Record<string, unknown>);
    if (d !== null) return { ...where, status: 'diverged', seq: a.seq, event_type: a.type, field: d.field, recorded: d.recorded, replayed: d.replayed };
  }
  return { ...where, status: 'reproduced' };
}
