import type { DecisionPoint } from '../src/agent/components.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';

/**
 * Where a recorded decision was made, as its planner saw it: episode, step and the carry the
 * previous decision handed over (decision.started `planner_carry`). Every re-run of a decision
 * builds its DecisionPoint here, so a planner with a warm start replays like one without.
 */
export function decisionPointOf(record: DecisionRecord): DecisionPoint {
  return { episode: record.episode ?? 0, step: record.step ?? 0, carry: record.started.payload.planner_carry ?? null };
}
