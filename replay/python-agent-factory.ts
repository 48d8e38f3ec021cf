import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { AgentBuildContext, AgentComponents, AgentFactory, BuiltAgent } from '../src/agent/agent-factory.js';
import type { AnyComponent, ComponentCheckpoint, PlanningComponents, PlanResult } from '../src/agent/components.js';
import type { RecordedUpdate } from '../src/agent/trainable.js';
import { ComponentName, Version } from '../src/events/common-schemas.js';
import { Role } from '../src/events/event-type.js';
import { BackendInfo } from '../src/events/families/run-events.js';
import { f32, Tensor } from '../src/events/tensor.js';
import { InvalidInputError } from '../src/errors/flightrec-error.js';
import { ComponentClient, type Callback } from './component-client.js';
import { ComponentProcessError, ReplayUnsupportedError } from './replay-errors.js';

export const PYTHON_FACTORY_PREFIX = 'python:';

/** Where the client this flightrec ships lives; it goes first on PYTHONPATH so both sides speak the same protocol version. */
const CLIENT_DIR = fileURLToPath(new URL('../../clients/python', import.meta.url));

const ComponentEntry = z.object({ name: ComponentName, role: Role, kind: z.string().min(1).max(128), version: Version, checkpointable: z.boolean(), trainable: z.boolean() });
const Created = z.object({ components: z.array(ComponentEntry).min(1), backend: BackendInfo.nullable() });
const Versioned = z.object({ version: Version });
const NullableTensor = Tensor.nullable().default(null);
const Level = z.object({
  depth: z.int().nonnegative(),
  actions: Tensor,
  parents: NullableTensor,
  states: NullableTensor,
  rewards: NullableTensor,
  leaf_values: NullableTensor,
  scores: Tensor,
  expanded: z.array(z.int().nonnegative()),
  chosen: z.array(z.int().nonnegative()),
});
const Planned = z.object({
  levels: z.array(Level),
  chose: z.object({ action: z.int(), candidates: Tensor, scores: Tensor, chosen_index: z.int().nonnegative(), value: z.number().nullable() }),
  /** Where the planner's generator stopped (null when it had none). */
  rng_state: z.string().regex(/^[0-9a-f]{32}$/).nullable().default(null),
});
const Checkpoint = z.object({ architecture: z.string(), parameters: Tensor, optimizer_state: NullableTensor });
const TensorArgs = z.object({ states: Tensor, actions: NullableTensor, next_states: NullableTensor });

/** `python:<module or path.py>:<function>` → the part after `python:`; errors name the spec. */
export function pythonTarget(spec: string, field = 'agent'): string {
  const target = spec.slice(PYTHON_FACTORY_PREFIX.length);
  const colon = target.lastIndexOf(':');
  if (!spec.startsWith(PYTHON_FACTORY_PREFIX) || colon <= 0 || colon === target.length - 1) {
    throw new InvalidInputError(`invalid Python agent factory ${JSON.stringify(spec)}: expected python:<module>:<function> or python:<path.py>:<function>, e.g. python:my_agent:make_agent`, { field, value: spec });
  }
  return target;
}

/**
 * An agent factory served by a Python process: `python3 -m flightrec_client.serve_components
 * <module>:<function>`, started in `cwd`, spoken to in the line protocol of
 * clients/python/PROTOCOL.md. Its components are stand-ins that forward each call to the process
 * and cache their version (it changes only by a checkpoint load or an update, whose replies carry
 * it). A Python planner's component calls come back here and go to the components replay passes
 * it, which records them and may be TypeScript ones swapped in.
 */
export function pythonAgentFactory(spec: string, cwd: string): AgentFactory {
  const target = pythonTarget(spec);
  return {
    create(context: AgentBuildContext): BuiltAgent {
      if (!existsSync(cwd)) throw new InvalidInputError(`the working directory ${cwd} recorded for ${spec} does not exist: run from elsewhere with --agent ${spec}`, { field: 'agent', value: cwd });
      const env = { ...process.env, PYTHONPATH: [CLIENT_DIR, process.env.PYTHONPATH].filter((p) => p).join(delimiter), PYTHONUNBUFFERED: '1' } as Record<string, string>;
      const client = ComponentClient.start(process.env.FLIGHTREC_PYTHON ?? 'python3', ['-m', 'flightrec_client.serve_components', target], { cwd, env, label: spec });
      try {
        const created = parse(Created, client.request('create', { context: { env: context.env, config: context.config, seed: context.seed, discount: context.discount, observation_spec: context.observationSpec, action_spec: context.actionSpec } }, { component: spec, call: 'create' }), spec, 'create');
        const byRole = new Map<Role, AnyComponent>();
        for (const entry of created.components) {
          if (byRole.has(entry.role)) throw new ComponentProcessError(spec, 'create', `it built two components for role ${entry.role}`);
          byRole.set(entry.role, pythonComponent(client, entry));
        }
        const get = <R extends Role>(role: R) => (byRole.get(role) ?? absentComponent(role, spec)) as Extract<AnyComponent, { role: R }>;
        const components: AgentComponents = { worldModel: get('world_model'), reward: get('reward'), critic: get('critic'), actor: get('actor'), planner: get('planner') };
        return { components, learner: null, backend: created.backend, dispose: () => client.close() };
      } catch (e) {
        client.close();
        throw e;
      }
    },
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, component: string, call: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new ComponentProcessError(component, call, `its answer does not fit the protocol: ${i.path.join('.') || '(the answer)'}: ${i.message}`);
}

type Entry = z.infer<typeof ComponentEntry>;

/** A stand-in for one Python component. */
function pythonComponent(client: ComponentClient, entry: Entry): AnyComponent {
  let version = entry.version;
  const { name } = entry;
  const call = (method: string, args: Record<string, unknown>, onCallback?: (c: Callback) => unknown) =>
    client.request('call', { component: name, method, args }, { component: name, call: `${entry.role} ${method}` }, onCallback);
  const identity = { name, role: entry.role, kind: entry.kind, version: () => version };
  let component: AnyComponent;
  switch (entry.role) {
    case 'world_model':
      component = {
        ...identity,
        role: 'world_model',
        predict(states, actions) {
          const r = parse(z.object({ next_states: Tensor, done: NullableTensor }), call('predict', { states, actions }), name, 'world_model predict');
          return { nextStates: r.next_states, done: r.done };
        },
      };
      break;
    case 'reward':
      component = { ...identity, role: 'reward', evaluate: (states, actions, nextStates) => parse(z.object({ rewards: Tensor }), call('evaluate', { states, actions, next_states: nextStates }), name, 'reward evaluate').rewards };
      break;
    case 'critic':
      component = { ...identity, role: 'critic', evaluate: (states) => parse(z.object({ values: Tensor }), call('evaluate', { states }), name, 'critic evaluate').values };
      break;
    case 'actor':
      component = { ...identity, role: 'actor', propose: (states) => parse(z.object({ probs: Tensor }), call('propose', { states }), name, 'actor propose').probs };
      break;
    case 'planner':
      component = {
        ...identity,
        role: 'planner',
        plan(observation, components, rng, at): PlanResult {
          const r = parse(Planned, call('plan', { observation, rng_state: rng.state(), at }, (c) => answerCallback(c, components)), name, 'planner plan');
          if (r.rng_state !== null) rng.setState(r.rng_state);
          return {
            action: r.chose.action,
            candidates: r.chose.candidates,
            scores: r.chose.scores,
            chosenIndex: r.chose.chosen_index,
            value: r.chose.value,
            search: r.levels.map((l) => ({ depth: l.depth, actions: l.actions, parents: l.parents, states: l.states, rewards: l.rewards, leafValues: l.leaf_values, scores: l.scores, expanded: l.expanded, chosen: l.chosen })),
            prior: null,
          };
        },
      };
      break;
  }
  if (entry.checkpointable) {
    Object.assign(component, {
      saveCheckpoint(): ComponentCheckpoint {
        const r = parse(Checkpoint, client.request('save_checkpoint', { component: name }, { component: name, call: 'save_checkpoint' }), name, 'save_checkpoint');
        if (r.parameters.dtype !== 'float32' || (r.optimizer_state !== null && r.optimizer_state.dtype !== 'float32')) throw new ComponentProcessError(name, 'save_checkpoint', 'checkpoint parameters must be float32');
        return { architecture: r.architecture, parameters: r.parameters.data as Float32Array, optimizerState: r.optimizer_state === null ? null : (r.optimizer_state.data as Float32Array) };
      },
      loadCheckpoint(ck: ComponentCheckpoint): void {
        const checkpoint = { architecture: ck.architecture, parameters: f32(ck.parameters), optimizer_state: ck.optimizerState === null ? null : f32(ck.optimizerState) };
        version = parse(Versioned, client.request('load_checkpoint', { component: name, checkpoint }, { component: name, call: 'load_checkpoint' }), name, 'load_checkpoint').version;
      },
    });
  }
  if (entry.trainable) {
    Object.assign(component, {
      applyUpdate(u: RecordedUpdate): void {
        const update = { from_version: u.fromVersion, to_version: u.toVersion, index: u.index, batch: u.batch, hyper: u.hyper, seq: u.seq };
        version = parse(Versioned, client.request('apply_update', { component: name, update }, { component: name, call: `apply_update ${u.index} (seq ${u.seq})` }), name, 'apply_update').version;
      },
    });
  }
  return component;
}

/** A Python planner's call of one of its components, made through the components replay gave the planner. */
function answerCallback(c: Callback, components: PlanningComponents): unknown {
  const a = TensorArgs.safeParse(c.args);
  if (c.op !== 'call' || !a.success) throw new InvalidInputError(`the planner asked for ${JSON.stringify(c.op)} ${String(c.role)}.${String(c.method)} with arguments that are not tensors {states, actions?, next_states?}`, { field: 'args' });
  const { states, actions, next_states: nextStates } = a.data;
  const need = (t: Tensor | null, what: string): Tensor => {
    if (t === null) throw new InvalidInputError(`${String(c.role)}.${String(c.method)} needs ${what}`, { field: what });
    return t;
  };
  switch (`${String(c.role)}.${String(c.method)}`) {
    case 'world_model.predict': {
      const out = components.worldModel.predict(states, need(actions, 'actions'));
      return { next_states: out.nextStates, done: out.done };
    }
    case 'reward.evaluate':
      return { rewards: components.reward.evaluate(states, need(actions, 'actions'), nextStates) };
    case 'critic.evaluate':
      return { values: components.critic.evaluate(states) };
    case 'actor.propose':
      return { probs: components.actor.propose(states) };
    default:
      throw new InvalidInputError(`unknown component call ${String(c.role)}.${String(c.method)}: world_model.predict, reward.evaluate, critic.evaluate or actor.propose`, { field: 'method' });
  }
}

/** What stands in for a role the Python agent has none of: it has a name and a version, and refuses to be called. */
function absentComponent(role: Role, spec: string): AnyComponent {
  const refuse = (): never => {
    throw new ReplayUnsupportedError(`the Python agent ${spec} has no ${role}, but it was called`, { role });
  };
  const identity = { name: `absent_${role}`, kind: 'absent', version: () => 'absent' };
  switch (role) {
    case 'world_model':
      return { ...identity, role, predict: refuse };
    case 'reward':
      return { ...identity, role, evaluate: refuse };
    case 'critic':
      return { ...identity, role, evaluate: refuse };
    case 'actor':
      return { ...identity, role, propose: refuse };
    case 'planner':
      return { ...identity, role, plan: refuse };
  }
}
