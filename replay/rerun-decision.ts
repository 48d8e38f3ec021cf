import type { AgentComponents } from '../src/agent/agent-factory.js';
import type { PlanResult } from '../src/agent/components.js';
import type { EventInput } from '../src/events/registry.js';
import { SeededRng } from '../src/random/seeded-rng.js';
import { AgentRecorder } from '../src/record/agent-recorder.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import { decisionPointOf } from './decision-point.js';
import { MemorySink } from './memory-sink.js';

export interface Rerun {
  plan: PlanResult;
  /** The decision's events as the re-run produced them, seqs continuing from the recorded decision.started. */
  events: { seq: number; event: EventInput }[];
}

/**
 * Re-runs a recorded decision: the recorded observation, the recorded random state, and the
 * given components (instrumented into memory so their calls can be compared with the log).
 */
export function rerunDecision(record: DecisionRecord, components: AgentComponents): Rerun {
  const sink = new MemorySink(record.started.seq + 1);
  const recorder = new AgentRecorder(sink);
  recorder.enterDecision(record.episode, record.step, record.decision, record.started.seq);
  const use = {
    worldModel: recorder.wrap(components.worldModel),
    reward: recorder.wrap(components.reward),
    critic: recorder.wrap(components.critic),
    actor: recorder.wrap(components.actor),
  };
  const planner = recorder.wrap(components.planner);
  const rng = SeededRng.fromState(record.started.payload.rng_state);
  const plan = planner.plan(record.started.payload.observation, use, rng, decisionPointOf(record));
  recorder.leaveDecision();
  return { plan, events: sink.events };
}
