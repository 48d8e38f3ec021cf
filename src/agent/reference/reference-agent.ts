import { SeededRng } from '../../random/seeded-rng.js';
import type { ActionSpec, ObservationSpec } from '../../envs/environment.js';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import type { Component } from '../components.js';
import type { AgentConfig } from './agent-config.js';
import { BeamPlanner } from './beam-planner.js';
import { GaussianActor } from './gaussian-actor.js';
import { MlpActor } from './mlp-actor.js';
import { MctsPlanner } from './mcts-planner.js';
import { MppiPlanner } from './mppi-planner.js';
import { MlpCritic } from './mlp-critic.js';
import { MlpReward } from './mlp-reward.js';
import { MlpWorldModel } from './mlp-world-model.js';

/** The reference model-based agent's five labelled components. */
export interface ReferenceAgent {
  worldModel: MlpWorldModel;
  reward: MlpReward;
  critic: MlpCritic;
  /** Softmax over discrete actions (beam search, MCTS), or a Gaussian over a box (MPPI). */
  actor: MlpActor | GaussianActor;
  planner: BeamPlanner | MppiPlanner | MctsPlanner;
}

/** Builds the five components for an environment's specs; initial weights come from `seed` only. */
export function createReferenceAgent(obsSpec: ObservationSpec, actionSpec: ActionSpec, config: AgentConfig, seed: number): ReferenceAgent {
  const obs = obsSpec.shape.reduce((a, b) => a * b, 1);
  const init = SeededRng.fromSeed(seed).fork('init');
  const planner = config.planner;
  if ('kind' in planner && planner.kind === 'mppi') {
    if (actionSpec.kind !== 'continuous') {
      throw new InvalidInputError('the mppi planner samples continuous actions; this environment\'s are discrete (use the beam planner)', { field: 'config.agent.planner.kind', value: planner.kind });
    }
    const box = { low: actionSpec.low, high: actionSpec.high };
    const A = box.low.length;
    return {
      worldModel: new MlpWorldModel('world_model', obs, A, config.hidden, init.fork('world_model'), config.lr.world_model, obsSpec.low && obsSpec.high ? { low: obsSpec.low, high: obsSpec.high } : null),
      reward: new MlpReward('reward', obs, A, config.hidden, init.fork('reward'), config.lr.reward),
      critic: new MlpCritic('critic', obs, config.hidden, init.fork('critic'), config.lr.critic, config.criticValueScale),
      actor: new GaussianActor('actor', obs, box, config.hidden, init.fork('actor'), config.lr.actor),
      planner: new MppiPlanner('planner', box, planner),
    };
  }
  if (actionSpec.kind !== 'discrete') {
    throw new InvalidInputError(`the ${'kind' in planner ? planner.kind : 'beam'} planner searches discrete actions; this environment's are continuous (set config.agent.planner.kind to mppi)`, { field: 'actionSpec.kind', value: actionSpec.kind });
  }
  const A = actionSpec.n;
  return {
    worldModel: new MlpWorldModel('world_model', obs, A, config.hidden, init.fork('world_model'), config.lr.world_model),
    reward: new MlpReward('reward', obs, A, config.hidden, init.fork('reward'), config.lr.reward),
    critic: new MlpCritic('critic', obs, config.hidden, init.fork('critic'), config.lr.critic, config.criticValueScale),
    actor: new MlpActor('actor', obs, A, config.hidden, init.fork('actor'), config.lr.actor),
    planner: 'kind' in planner ? new MctsPlanner('planner', A, planner) : new BeamPlanner('planner', A, planner),
  };
}

export function agentComponents(agent: ReferenceAgent): Component[] {
  return [agent.worldModel, agent.reward, agent.critic, agent.actor, agent.planner];
}

export function disposeAgent(agent: ReferenceAgent): void {
  agent.worldModel.dispose();
  agent.reward.dispose();
  agent.critic.dispose();
  agent.actor.dispose();
}
