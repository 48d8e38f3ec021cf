import type { Actor, AnyComponent, Critic, RewardFunction, WorldModel } from '../src/agent/components.js';
import type { EventStore } from '../src/store/event-store.js';
import type { LiveAgent } from './build-agent.js';
import { ComponentHistory } from './component-history.js';
import type { DecisionLog } from './decision-log.js';
import type { RunContext } from './run-context.js';

/**
 * Components at the versions the source run recorded, answering from the log when asked exactly
 * what they were asked then, and materialising their parameters from the log otherwise.
 */
function inEffect(log: DecisionLog, history: ComponentHistory): string {
  return log.versionOf(history.live.name) ?? history.live.version();
}

/** The recorded answer when there is one (counted as reused); otherwise the live component computes it at the recorded version. */
function reuseOr<T>(log: DecisionLog, history: ComponentHistory, recorded: T | undefined, fresh: () => T): T {
  const name = history.live.name;
  if (recorded !== undefined) {
    log.count(name, 'reused');
    return recorded;
  }
  log.count(name, 'computed');
  history.materialize(inEffect(log, history), log.decisionSeq);
  return fresh();
}

function identity(history: ComponentHistory, log: DecisionLog) {
  const live: AnyComponent = history.live;
  return { name: live.name, kind: live.kind, version: () => inEffect(log, history) };
}

export function logBackedWorldModel(history: ComponentHistory, live: WorldModel, log: DecisionLog): WorldModel {
  return {
    ...identity(history, log),
    role: 'world_model',
    predict(states, actions) {
      const hit = log.find(live.name, 'world_model.predicted', states, actions);
      return reuseOr(log, history, hit && { nextStates: hit.payload.next_states, done: hit.payload.done }, () => live.predict(states, actions));
    },
  };
}

export function logBackedReward(history: ComponentHistory, live: RewardFunction, log: DecisionLog): RewardFunction {
  return {
    ...identity(history, log),
    role: 'reward',
    evaluate(states, actions, nextStates) {
      const hit = log.find(live.name, 'reward.evaluated', states, actions, nextStates);
      return reuseOr(log, history, hit?.payload.rewards, () => live.evaluate(states, actions, nextStates));
    },
  };
}

export function logBackedCritic(history: ComponentHistory, live: Critic, log: DecisionLog): Critic {
  return {
    ...identity(history, log),
    role: 'critic',
    evaluate(states) {
      const hit = log.find(live.name, 'critic.evaluated', states);
      return reuseOr(log, history, hit?.payload.values, () => live.evaluate(states));
    },
  };
}

export function logBackedActor(history: ComponentHistory, live: Actor, log: DecisionLog): Actor {
  return {
    ...identity(history, log),
    role: 'actor',
    propose(states) {
      const hit = log.find(live.name, 'actor.proposed', states);
      const recorded = hit === undefined ? undefined : hit.payload.probs ?? (hit.payload.mean && hit.payload.std ? { mean: hit.payload.mean, std: hit.payload.std } : undefined);
      return reuseOr(log, history, recorded, () => live.propose(states));
    },
  };
}

/** The live agent's four called components, each answering from the log and rebuilt from it only on a miss. */
export function logBackedComponents(store: EventStore, ctx: RunContext, agent: LiveAgent, log: DecisionLog) {
  const history = (live: AnyComponent) => new ComponentHistory(store, ctx.run.pk, ctx.run.id, live, 0);
  const c = agent.components;
  return {
    worldModel: logBackedWorldModel(history(c.worldModel), c.worldModel, log),
    reward: logBackedReward(history(c.reward), c.reward, log),
    critic: logBackedCritic(history(c.critic), c.critic, log),
    actor: logBackedActor(history(c.actor), c.actor, log),
  };
}
