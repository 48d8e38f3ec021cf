import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { SeededRng } from '../../random/seeded-rng.js';
import type { AgentBuildContext, AgentFactory, BuiltAgent } from '../agent-factory.js';
import { initNumericBackend } from '../backend/numeric-backend.js';
import { AgentConfig } from './agent-config.js';
import { OnlineLearner } from './online-learner.js';
import { createReferenceAgent, disposeAgent } from './reference-agent.js';

/** The id run.started records for runs of this agent. */
export const REFERENCE_AGENT = 'flightrec/reference';

/** What the reference agent records as run.started `config`. */
export const ReferenceRunConfig = z.looseObject({ agent: AgentConfig });

/**
 * flightrec's own model-based agent as one plugin among others: everything it is comes from
 * run.started's `config.agent` and `seed`, through the same factory contract a user's agent uses.
 */
export const referenceAgentFactory: AgentFactory = {
  async create(ctx: AgentBuildContext): Promise<BuiltAgent> {
    const parsed = ReferenceRunConfig.safeParse(ctx.config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidInputError(`the reference agent's config.${issue.path.join('.')} is invalid: ${issue.message}`, { field: `config.${issue.path.join('.')}` });
    }
    if (ctx.seed === null) throw new InvalidInputError('the reference agent needs the run seed (run.started seed is null)', { field: 'seed', value: null });
    if (ctx.observationSpec === null || ctx.actionSpec === null) throw new InvalidInputError(`the reference agent runs on flightrec's built-in environments, not ${ctx.env}`, { field: 'env', value: ctx.env });
    const backend = await initNumericBackend('auto');
    const config = parsed.data.agent;
    const agent = createReferenceAgent(ctx.observationSpec, ctx.actionSpec, config, ctx.seed);
    // The harness forks 'decisions' from the run seed first; the learner's stream is the second fork.
    const root = SeededRng.fromSeed(ctx.seed);
    root.fork('decisions');
    return {
      components: agent,
      learner: new OnlineLearner(agent, config, root.fork('learning')),
      backend: { name: backend.name, tfjsVersion: backend.tfjsVersion, backendVersion: backend.backendVersion },
      dispose: () => disposeAgent(agent),
    };
  },
};
