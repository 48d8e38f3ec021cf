import type { RewardFunction } from '../src/agent/components.js';
import type { Tensor } from '../src/events/tensor.js';
import { SeededRng } from '../src/random/seeded-rng.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import type { EventStore } from '../src/store/event-store.js';
import { buildLiveAgent } from './build-agent.js';
import { DecisionLog } from './decision-log.js';
import { decisionPointOf } from './decision-point.js';
import { logBackedComponents } from './log-backed-components.js';
import { loadRunContext } from './run-context.js';

/** A reward function to re-decide under (only `evaluate` is needed). */
export type ReferenceRewardFunction = { evaluate(states: Tensor, actions: Tensor, nextStates: Tensor | null): Tensor; name?: string };

export interface ReDecider {
  /** The action the decision would have taken with `reward` in place of the recorded reward; everything else as recorded. */
  reDecide(record: DecisionRecord, reward: ReferenceRewardFunction): number | null;
  dispose(): void;
}

/**
 * Re-decides recorded decisions under another reward without writing a run: the world model,
 * critic and actor answer from the log (or are rebuilt from it), the planner searches again
 * with the other reward, from the recorded random state. Audits use it to count the decisions
 * that flip under a reference reward.
 */
export async function createReDecider(store: EventStore, runId: string): Promise<ReDecider> {
  const ctx = await loadRunContext(store, runId);
  const agent = await buildLiveAgent(ctx);
  const log = new DecisionLog();
  const components = logBackedComponents(store, ctx, agent, log);
  const planner = agent.components.planner;
  return {
    reDecide(record, reward) {
      if (record.chose === null) return null;
      log.set(record);
      const asComponent: RewardFunction = { name: reward.name ?? 'reference', role: 'reward', kind: 'reference', version: () => 'reference', evaluate: (s, a, n) => reward.evaluate(s, a, n) };
      const plan = planner.plan(record.started.payload.observation, { ...components, reward: asComponent }, SeededRng.fromState(record.started.payload.rng_state), decisionPointOf(record));
      // Flips under the reference are counted for discrete actions; a continuous one has no id to compare.
      return typeof plan.action === 'number' ? plan.action : null;
    },
    dispose: () => agent.dispose(),
  };
}
