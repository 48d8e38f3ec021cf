import { readFileSync } from 'node:fs';
import { initNumericBackend, type NumericBackendPreference } from '../backend/numeric-backend.js';
import type { ComponentInfo } from '../../events/families/run-events.js';
import { Recorder } from '../../record/recorder.js';
import { AgentRecorder } from '../../record/agent-recorder.js';
import { makeEnvironment } from '../../envs/registry.js';
import { AgentConfig, defaultAgentConfig } from './agent-config.js';
import { agentComponents, createReferenceAgent, disposeAgent } from './reference-agent.js';
import { trainReferenceAgent, type EpisodeSummary } from './training-loop.js';

export interface RecordTrainingOptions {
  db: string;
  env: string;
  episodes: number;
  seed: number;
  config?: AgentConfig;
  backend?: NumericBackendPreference;
  runId?: string;
  name?: string;
  onEpisode?: (e: EpisodeSummary) => void;
}

export interface RecordTrainingResult {
  run: string;
  env: string;
  backend: string;
  episodes: number;
  decisions: number;
  events: number;
  summaries: EpisodeSummary[];
}

const CODE_VERSION = `flightrec@${(JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;

/**
 * Trains the reference agent and records everything into a new run: run.started names the
 * components, their initial versions, the agent config and the numeric backend (exact
 * reproduction is promised per backend).
 */
export async function recordReferenceTraining(o: RecordTrainingOptions): Promise<RecordTrainingResult> {
  const config = AgentConfig.parse(o.config ?? defaultAgentConfig(o.env));
  const backend = await initNumericBackend(o.backend ?? 'auto');
  const env = makeEnvironment(o.env);
  const probe = createReferenceAgent(env.observationSpec(), env.actionSpec(), config, o.seed);
  const components: ComponentInfo[] = agentComponents(probe).map((c) => ({ name: c.name, role: c.role, kind: c.kind, version: c.version() }));
  disposeAgent(probe);
  const recorder = await Recorder.open(o.db);
  try {
    const run = await recorder.startRun({
      ...(o.runId === undefined ? {} : { id: o.runId }),
      name: o.name ?? `${o.env} reference agent`,
      config: { agent: config, episodes: o.episodes, env: o.env },
      seed: o.seed,
      env: o.env,
      components,
      backend: { name: backend.name, tfjsVersion: backend.tfjsVersion, backendVersion: backend.backendVersion },
      codeVersion: CODE_VERSION,
    });
    let result;
    try {
      result = await trainReferenceAgent({ env: o.env, episodes: o.episodes, seed: o.seed, config, recorder: new AgentRecorder(run), ...(o.onEpisode ? { onEpisode: o.onEpisode } : {}) });
    } catch (e) {
      await run.end('failed', e instanceof Error ? e.message : String(e)).catch(() => undefined);
      throw e;
    }
    await run.end('completed', null, { episodes: result.episodes.length, decisions: result.decisions });
    return { run: run.id, env: o.env, backend: `${backend.name} ${backend.backendVersion}`, episodes: result.episodes.length, decisions: result.decisions, events: run.seq, summaries: result.episodes };
  } finally {
    await recorder.close();
  }
}
