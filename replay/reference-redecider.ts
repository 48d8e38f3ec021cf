import type { RewardFunction } from '../src/agent/components.js';
import { initNumericBackend } from '../src/agent/backend/numeric-backend.js';
import { disposeAgent } from '../src/agent/reference/reference-agent.js';
import type { Tensor } from '../src/events/tensor.js';
import { SeededRng } from '../src/random/seeded-rng.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import type { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { ComponentHistory } from './component-history.js';
import { DecisionLog } from './decision-log.js';
import { buildLiveAgent } from './live-agent.js';
import { logBackedActor, logBackedCritic, logBackedWorldModel } from './log-backed-components.js';
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
export async function createReDecider(store: SqliteEventStore, runId: string): Promise<ReDecider> {
  const ctx = await loadRunContext(store, runId);
  await initNumericBackend('auto');
  const agent = buildLiveAgent(ctx);
  const log = new DecisionLog();
  const history = <C extends { name: string }>(live: C) => new ComponentHistory(store, ctx.run.pk, ctx.run.id, live as never, 0) as ComponentHistory & { live: C };
  const components = {
    worldModel: logBackedWorldModel(history(agent.worldModel), log),
    critic: logBackedCritic(history(agent.critic), log),
    actor: logBackedActor(history(agent.actor), log),
  };
  return {
    reDecide(record, reward) {
      if (record.chose === null) return null;
      log.set(record);
      const asComponent: RewardFunction = { name: reward.name ?? 'reference', role: 'reward', kind: 'reference', version: () => 'reference', evaluate: (s, a, n) => reward.evaluate(s, a, n) };
      const plan = agent.planner.plan(record.started.payload.observation, { ...components, reward: asComponent }, SeededRng.fromState(record.started.payload.rng_state), {
        episode: record.episode ?? 0,
        step: record.step ?? 0,
      });
      return plan.action;
    },
    dispose: () => disposeAgent(agent),
  };
}
