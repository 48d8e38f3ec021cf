import { createReferenceAgent, type ReferenceAgent } from '../src/agent/reference/reference-agent.js';
import { makeEnvironment } from '../src/envs/registry.js';
import type { RunContext } from './run-context.js';
import { ReplayUnsupportedError } from './replay-errors.js';

const REFERENCE_KINDS: Record<string, string> = {
  world_model: 'mlp-world-model',
  reward: 'mlp-reward',
  critic: 'mlp-critic',
  actor: 'mlp-actor',
  planner: 'beam-tree-search',
};

/**
 * The reference agent of a run, rebuilt from its recorded config and seed. Its initial versions
 * must equal those run.started recorded; parameters then follow the log (checkpoints and updates).
 */
export function buildLiveAgent(ctx: RunContext): ReferenceAgent {
  for (const c of ctx.started.payload.components) {
    if (REFERENCE_KINDS[c.name] !== c.kind) {
      throw new ReplayUnsupportedError(`component ${c.name} is of kind ${c.kind}, which replay cannot rebuild; swap it with --swap ${c.role}=module:<path>`, { component: c.name, kind: c.kind });
    }
  }
  const env = makeEnvironment(ctx.env);
  const agent = createReferenceAgent(env.observationSpec(), env.actionSpec(), ctx.config, ctx.seed);
  for (const c of ctx.started.payload.components) {
    const live = (agent as unknown as Record<string, { version(): string }>)[camel(c.name)];
    if (live !== undefined && c.version !== null && live.version() !== c.version) {
      throw new ReplayUnsupportedError(`component ${c.name} rebuilt from the run's seed has version ${live.version()}, the run recorded ${c.version}`, { component: c.name });
    }
  }
  return agent;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
