import { componentsList, ROLE_FIELD, type AgentComponents, type BuiltAgent } from '../src/agent/agent-factory.js';
import type { AnyComponent } from '../src/agent/components.js';
import { ENVIRONMENT_IDS, makeEnvironment } from '../src/envs/registry.js';
import type { Role } from '../src/events/event-type.js';
import { FlightrecError } from '../src/errors/flightrec-error.js';
import { thrownMessage } from '../src/errors/thrown-message.js';
import { describeValue } from '../src/events/event-errors.js';
import { loadAgentFactory } from './load-agent-factory.js';
import { ReplayUnsupportedError } from './replay-errors.js';
import type { RunContext } from './run-context.js';

const METHOD: Record<Role, string> = { world_model: 'predict', reward: 'evaluate', critic: 'evaluate', actor: 'propose', planner: 'plan' };

/**
 * What is wrong with a factory's result, or null. A factory is a user's module, so its result is
 * input: checked here once, before replay calls a method that is not there.
 */
function builtAgentProblem(built: unknown): string | null {
  try {
    if (built === null || typeof built !== 'object') return `create() returned ${describeValue(built)}, not { components, dispose }`;
    const b = built as Partial<Record<keyof BuiltAgent, unknown>>;
    if (b.components === null || typeof b.components !== 'object') return `its components are ${describeValue(b.components)}, not { worldModel, reward, critic, actor, planner }`;
    const components = b.components as Record<string, unknown>;
    for (const [role, field] of Object.entries(ROLE_FIELD) as [Role, string][]) {
      const c = components[field] as Partial<Record<string, unknown>> | null | undefined;
      if (c === null || typeof c !== 'object') return `components.${field} is ${describeValue(c)}, not a component`;
      if (c.kind === 'absent') continue;
      if (typeof c.name !== 'string' || c.name === '') return `components.${field}.name is ${describeValue(c.name)}, not a name`;
      if (typeof c.version !== 'function') return `components.${field} (${c.name}) has no version() method`;
      if (typeof c[METHOD[role]] !== 'function') return `components.${field} (${c.name}) has no ${METHOD[role]}() method`;
    }
    if (typeof b.dispose !== 'function') return `its dispose is ${describeValue(b.dispose)}, not a function`;
    return null;
  } catch (e) {
    return `reading it threw ${thrownMessage(e)}`;
  }
}

/** A run's agent, rebuilt by the factory the run names. */
export interface LiveAgent {
  built: BuiltAgent;
  components: AgentComponents;
  all: AnyComponent[];
  byName(name: string | null): AnyComponent | undefined;
  byRole(role: Role): AnyComponent;
  dispose(): void;
}

/**
 * Asks the run's factory for its agent. The components' initial versions must equal those
 * run.started recorded; parameters then follow the log (checkpoints and updates).
 */
export async function buildLiveAgent(ctx: RunContext): Promise<LiveAgent> {
  const factory = await loadAgentFactory(ctx.agent, ctx.cwd);
  const env = (ENVIRONMENT_IDS as readonly string[]).includes(ctx.env) ? makeEnvironment(ctx.env) : null;
  let built: BuiltAgent;
  try {
    built = await factory.create({ env: ctx.env, observationSpec: env?.observationSpec() ?? null, actionSpec: env?.actionSpec() ?? null, config: ctx.config, seed: ctx.seed, discount: ctx.discount });
  } catch (e) {
    if (e instanceof FlightrecError) throw e;
    throw new ReplayUnsupportedError(`agent factory ${ctx.agent} failed to build run ${ctx.run.id}'s agent: ${thrownMessage(e)}`, { agent: ctx.agent });
  }
  const problem = builtAgentProblem(built);
  if (problem !== null) {
    try {
      (built as Partial<BuiltAgent> | null)?.dispose?.();
    } catch {
      // the factory's result is already refused; a dispose that throws too changes nothing
    }
    throw new ReplayUnsupportedError(`agent factory ${ctx.agent} built no usable agent for run ${ctx.run.id}: ${problem}`, { agent: ctx.agent, field: 'agent', hint: 'create(context) returns { components: { worldModel, reward, critic, actor, planner }, learner, backend, dispose() } (README: "Recording and replaying your own agent")' });
  }
  const all = componentsList(built.components);
  const live: LiveAgent = {
    built,
    components: built.components,
    all,
    byName: (name) => all.find((c) => c.name === name),
    byRole: (role) => built.components[ROLE_FIELD[role]],
    dispose: () => built.dispose(),
  };
  for (const c of ctx.started.payload.components) {
    const mine = live.byName(c.name);
    const problem =
      mine === undefined
        ? `the run recorded a component ${c.name} (${c.role}) that factory ${ctx.agent} does not build (it builds ${all.map((x) => x.name).join(', ')})`
        : c.version !== null && mine.version() !== c.version
          ? `component ${c.name} rebuilt by ${ctx.agent} has version ${mine.version()}, the run recorded ${c.version}: the factory must build the same initial parameters from the recorded config and seed`
          : null;
    if (problem !== null) {
      live.dispose();
      throw new ReplayUnsupportedError(problem, { component: c.name, agent: ctx.agent });
    }
  }
  return live;
}
