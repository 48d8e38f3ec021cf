import type { Actor, Critic, RewardFunction, WorldModel } from '../src/agent/components.js';
import type { MlpActor } from '../src/agent/reference/mlp-actor.js';
import type { MlpCritic } from '../src/agent/reference/mlp-critic.js';
import type { MlpReward } from '../src/agent/reference/mlp-reward.js';
import type { MlpWorldModel } from '../src/agent/reference/mlp-world-model.js';
import type { ComponentHistory } from './component-history.js';
import { inputKey, type DecisionLog } from './decision-log.js';

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

export function logBackedWorldModel(history: ComponentHistory & { live: MlpWorldModel }, log: DecisionLog): WorldModel {
  const live = history.live;
  return {
    name: live.name,
    role: 'world_model',
    kind: live.kind,
    version: () => inEffect(log, history),
    predict(states, actions) {
      const hit = log.find(live.name, 'world_model.predicted', inputKey(states, actions));
      return reuseOr(log, history, hit && { nextStates: hit.payload.next_states, done: hit.payload.done }, () => live.predict(states, actions));
    },
  };
}

export function logBackedReward(history: ComponentHistory & { live: MlpReward }, log: DecisionLog): RewardFunction {
  const live = history.live;
  return {
    name: live.name,
    role: 'reward',
    kind: live.kind,
    version: () => inEffect(log, history),
    evaluate(states, actions, nextStates) {
      const hit = log.find(live.name, 'reward.evaluated', inputKey(states, actions, nextStates));
      return reuseOr(log, history, hit?.payload.rewards, () => live.evaluate(states, actions));
    },
  };
}

export function logBackedCritic(history: ComponentHistory & { live: MlpCritic }, log: DecisionLog): Critic {
  const live = history.live;
  return {
    name: live.name,
    role: 'critic',
    kind: live.kind,
    version: () => inEffect(log, history),
    evaluate(states) {
      const hit = log.find(live.name, 'critic.evaluated', inputKey(states));
      return reuseOr(log, history, hit?.payload.values, () => live.evaluate(states));
    },
  };
}

export function logBackedActor(history: ComponentHistory & { live: MlpActor }, log: DecisionLog): Actor {
  const live = history.live;
  return {
    name: live.name,
    role: 'actor',
    kind: live.kind,
    version: () => inEffect(log, history),
    propose(states) {
      const hit = log.find(live.name, 'actor.proposed', inputKey(states));
      return reuseOr(log, history, hit?.payload.probs ?? undefined, () => live.propose(states));
    },
  };
}
