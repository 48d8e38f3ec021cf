import { componentsList, ROLE_FIELD, type AgentComponents, type BuiltAgent } from '../src/agent/agent-factory.js';
import type { AnyComponent } from '../src/agent/components.js';
import { ENVIRONMENT_IDS, makeEnvironment } from '../src/envs/registry.js';
import type { Role } from '../src/events/event-type.js';
import { FlightrecError } from '../src/errors/flightrec-error.js';
import { loadAgentFactory } from './load-agent-factory.js';
import { ReplayUnsupportedError } from './replay-errors.js';
import type { RunContext } from './run-context.js';

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
    throw new ReplayUnsupportedError(`agent factory ${ctx.agent} failed to build run ${ctx.run.id}'s agent: ${e instanceof Error ? e.message : String(e)}`, { agent: ctx.agent });
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
