import { isGaussian, type Actor, type AnyComponent, type Critic, type Planner, type RewardFunction, type WorldModel } from '../agent/components.js';
import type { AgentRecorder } from './agent-recorder.js';
import { f32, type Tensor } from '../events/tensor.js';

/**
 * Wraps a component so that each call inside an open decision is recorded as its role's event
 * with the component's name and version, the decision's position and its causal parent. Works
 * for any object implementing a role's contract (a user's own component), not only flightrec's.
 * Calls outside a decision (training, evaluation) pass through unrecorded.
 */
export function instrument<C extends AnyComponent>(component: C, recorder: AgentRecorder): C {
  const wrapped = WRAPPERS[component.role](component as never, recorder);
  return wrapped as C;
}

/** A wrapper that forwards identity members (name, role, kind, version) and everything else. */
function forward<C extends AnyComponent>(component: C, overrides: Partial<C>): C {
  return new Proxy(component, {
    get(target, prop, receiver) {
      if (prop in overrides) return (overrides as Record<PropertyKey, unknown>)[prop];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const WRAPPERS: { [R in AnyComponent['role']]: (c: Extract<AnyComponent, { role: R }>, r: AgentRecorder) => AnyComponent } = {
  world_model: (c: WorldModel, r) =>
    forward(c, {
      predict(states, actions) {
        const out = c.predict(states, actions);
        const env = r.callEnvelope(c);
        if (env) r.run.append({ type: 'world_model.predicted', ...env, payload: { states, actions, next_states: out.nextStates, rewards: null, done: out.done } });
        return out;
      },
    }),
  reward: (c: RewardFunction, r) =>
    forward(c, {
      evaluate(states, actions, nextStates) {
        const rewards = c.evaluate(states, actions, nextStates);
        const env = r.callEnvelope(c);
        if (env) r.run.append({ type: 'reward.evaluated', ...env, payload: { states, actions, next_states: nextStates, rewards } });
        return rewards;
      },
    }),
  critic: (c: Critic, r) =>
    forward(c, {
      evaluate(states) {
        const values = c.evaluate(states);
        const env = r.callEnvelope(c);
        if (env) r.run.append({ type: 'critic.evaluated', ...env, payload: { states, values } });
        return values;
      },
    }),
  actor: (c: Actor, r) =>
    forward(c, {
      propose(states) {
        const out = c.propose(states);
        const env = r.callEnvelope(c);
        if (env) {
          const dist = isGaussian(out) ? { probs: null, mean: out.mean, std: out.std } : { probs: out, mean: null, std: null };
          r.run.append({ type: 'actor.proposed', ...env, payload: { states, ...dist } });
        }
        return out;
      },
    }),
  planner: (c: Planner, r) =>
    forward(c, {
      plan(observation, components, rng, at) {
        const result = c.plan(observation, components, rng, at);
        let parent: number | null = null;
        for (const level of result.search) {
          const env = r.callEnvelope(c, parent);
          if (!env) break;
          parent = r.run.append({
            type: 'planner.expanded',
            ...env,
            payload: {
              depth: level.depth,
              actions: level.actions,
              parents: level.parents,
              states: level.states,
              rewards: level.rewards,
              leaf_values: level.leafValues,
              scores: level.scores,
              expanded: level.expanded,
              chosen: level.chosen,
            },
          }).seq;
        }
        for (const internal of result.internals ?? []) {
          const env = r.callEnvelope(c);
          if (!env) break;
          r.run.append({ type: internal.type, ...env, payload: internal.payload });
        }
        const env = r.callEnvelope(c);
        if (env) {
          r.run.append({
            type: 'actor.chose',
            ...env,
            payload: { action: actionPayload(result.action), candidates: result.candidates, scores: result.scores, chosen_index: result.chosenIndex, value: result.value, chooser: c.name },
          });
        }
        return result;
      },
    }),
};



/** A planned action as recorded: the id, or the vector as a float32 tensor. */
export function actionPayload(action: number | Float32Array): number | Tensor {
  return typeof action === 'number' ? action : f32(action, [action.length]);
}
