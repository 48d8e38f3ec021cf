import { initNumericBackend, type NumericBackendPreference } from '../agent/backend/numeric-backend.js';
import { AgentConfig, defaultAgentConfig, type PlannerKind } from '../agent/reference/agent-config.js';
import { REFERENCE_AGENT, referenceAgentFactory } from '../agent/reference/reference-factory.js';
import { makeEnvironment } from '../envs/registry.js';
import type { AgentRecorder } from '../record/agent-recorder.js';
import { runEpisodes, type EpisodeLoopResult, type EpisodeSummary } from './episode-loop.js';
import { recordAgentRun, type RecordAgentRunResult } from './record-agent-run.js';

export interface RecordTrainingOptions {
  db: string;
  env: string;
  episodes: number;
  seed: number;
  config?: AgentConfig;
  /** The planner of the environment's default config to use instead of its own (ignored with `config`). */
  planner?: PlannerKind;
  backend?: NumericBackendPreference;
  runId?: string;
  name?: string;
  onEpisode?: (e: EpisodeSummary) => void;
}

/** Trains flightrec's reference agent on a built-in environment and records it (what `flightrec demo` runs). */
export async function recordReferenceTraining(o: RecordTrainingOptions): Promise<RecordAgentRunResult> {
  const config = AgentConfig.parse(o.config ?? defaultAgentConfig(o.env, o.planner));
  if (o.backend !== undefined) await initNumericBackend(o.backend);
  return recordAgentRun({
    db: o.db,
    factory: referenceAgentFactory,
    agent: REFERENCE_AGENT,
    env: o.env,
    episodes: o.episodes,
    seed: o.seed,
    config: { agent: config, episodes: o.episodes, env: o.env },
    discount: config.gamma,
    name: o.name ?? `${o.env} reference agent`,
    ...(o.runId === undefined ? {} : { runId: o.runId }),
    ...(o.onEpisode ? { onEpisode: o.onEpisode } : {}),
  });
}

export interface TrainingOptions {
  env: string;
  episodes: number;
  seed: number;
  config: AgentConfig;
  /** Records into this recorder when given; recording off otherwise (the overhead benchmark's baseline). */
  recorder?: AgentRecorder | null;
  onEpisode?: (e: EpisodeSummary) => void;
}

/** Trains the reference agent through the same loop, with recording on or off. */
export async function trainReferenceAgent(o: TrainingOptions): Promise<EpisodeLoopResult> {
  const env = makeEnvironment(o.env);
  const built = await referenceAgentFactory.create({ env: env.id, observationSpec: env.observationSpec(), actionSpec: env.actionSpec(), config: { agent: o.config }, seed: o.seed, discount: o.config.gamma });
  try {
    return await runEpisodes({ env, components: built.components, learner: built.learner, recorder: o.recorder ?? null, seed: o.seed, episodes: o.episodes, discount: o.config.gamma, ...(o.onEpisode ? { onEpisode: o.onEpisode } : {}) });
  } finally {
    built.dispose();
  }
}
