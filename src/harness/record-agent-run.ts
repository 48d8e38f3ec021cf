import type { AgentFactory } from '../agent/agent-factory.js';
import { componentsList } from '../agent/agent-factory.js';
import type { Environment } from '../envs/environment.js';
import { makeEnvironment } from '../envs/registry.js';
import type { Json } from '../events/common-schemas.js';
import type { ComponentInfo } from '../events/families/run-events.js';
import { AgentRecorder } from '../record/agent-recorder.js';
import { Recorder } from '../record/recorder.js';
import { CODE_VERSION } from './code-version.js';
import { runEpisodes, type EpisodeSummary } from './episode-loop.js';

export interface RecordAgentRunOptions {
  /** Database path (a recorder is opened and closed), or a Recorder already open. */
  db: string | Recorder;
  /** Builds the agent; the same factory replay will ask again. */
  factory: AgentFactory;
  /** How run.started names the factory: 'flightrec/reference' or 'module:<path>'. */
  agent: string;
  /** A built-in environment id, or an environment of your own (closed-loop replay then needs it registered). */
  env: string | Environment;
  episodes: number;
  seed: number;
  /** Recorded as run.started `config`; handed to the factory as is. */
  config: Json;
  discount: number;
  name?: string;
  runId?: string;
  onEpisode?: (e: EpisodeSummary) => void;
}

export interface RecordAgentRunResult {
  run: string;
  env: string;
  backend: string | null;
  episodes: number;
  decisions: number;
  events: number;
  summaries: EpisodeSummary[];
}

/**
 * Builds an agent through its factory and records it training in an environment: run.started
 * names the factory, the components with their initial versions, the config, seed, discount and
 * numeric backend, so replay can build the same agent again.
 */
export async function recordAgentRun(o: RecordAgentRunOptions): Promise<RecordAgentRunResult> {
  const env = typeof o.env === 'string' ? makeEnvironment(o.env) : o.env;
  const built = await o.factory.create({ env: env.id, observationSpec: env.observationSpec(), actionSpec: env.actionSpec(), config: o.config, seed: o.seed, discount: o.discount });
  const recorder = typeof o.db === 'string' ? await Recorder.open(o.db) : o.db;
  try {
    const components: ComponentInfo[] = componentsList(built.components).map((c) => ({ name: c.name, role: c.role, kind: c.kind, version: c.version() }));
    const run = await recorder.startRun({
      ...(o.runId === undefined ? {} : { id: o.runId }),
      name: o.name ?? `${env.id} ${o.agent}`,
      config: o.config,
      seed: o.seed,
      env: env.id,
      components,
      backend: built.backend,
      codeVersion: CODE_VERSION,
      agent: o.agent,
      discount: o.discount,
    });
    let result;
    try {
      result = await runEpisodes({ env, components: built.components, learner: built.learner, recorder: new AgentRecorder(run), seed: o.seed, episodes: o.episodes, discount: o.discount, ...(o.onEpisode ? { onEpisode: o.onEpisode } : {}) });
    } catch (e) {
      await run.end('failed', e instanceof Error ? e.message : String(e)).catch(() => undefined);
      throw e;
    }
    await run.end('completed', null, { episodes: result.episodes.length, decisions: result.decisions });
    const backend = built.backend === null ? null : `${built.backend.name} ${built.backend.backendVersion ?? ''}`.trim();
    return { run: run.id, env: env.id, backend, episodes: result.episodes.length, decisions: result.decisions, events: run.seq, summaries: result.episodes };
  } finally {
    built.dispose();
    if (typeof o.db === 'string') await recorder.close();
  }
}
