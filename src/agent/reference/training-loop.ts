import { f32 } from '../../events/tensor.js';
import type { Json } from '../../events/common-schemas.js';
import { makeEnvironment } from '../../envs/registry.js';
import { SeededRng } from '../../random/seeded-rng.js';
import type { AgentRecorder } from '../../record/agent-recorder.js';
import type { AgentConfig } from './agent-config.js';
import { OnlineLearner } from './online-learner.js';
import { agentComponents, createReferenceAgent, disposeAgent, type ReferenceAgent } from './reference-agent.js';

export interface EpisodeSummary {
  episode: number;
  return: number;
  discountedReturn: number;
  performanceReturn: number | null;
  length: number;
  reason: 'terminated' | 'truncated';
}

export interface TrainingOptions {
  env: string;
  episodes: number;
  seed: number;
  config: AgentConfig;
  /** Records everything when given; recording off otherwise (the overhead benchmark's baseline). */
  recorder?: AgentRecorder | null;
  onEpisode?: (e: EpisodeSummary) => void;
}

export interface TrainingResult {
  episodes: EpisodeSummary[];
  decisions: number;
}

/** Env seed of an episode: derived from the run seed so that runs with equal seeds see equal episodes. */
export function episodeSeed(runSeed: number, episode: number): number {
  return (Math.imul(runSeed >>> 0, 1000003) + episode) >>> 0;
}

/**
 * Trains the reference agent online for `episodes` episodes. One decision per env step: the
 * decision's rng state is recorded before the planner draws from it, so replay can restore it.
 */
export async function trainReferenceAgent(options: TrainingOptions): Promise<TrainingResult> {
  const env = makeEnvironment(options.env);
  const agent: ReferenceAgent = createReferenceAgent(env.observationSpec(), env.actionSpec(), options.config, options.seed);
  const recorder = options.recorder ?? null;
  const root = SeededRng.fromSeed(options.seed);
  const decisionRng = root.fork('decisions');
  const learner = new OnlineLearner(agent, options.config, root.fork('learning'), recorder);
  const components = agentComponents(agent);
  const use = recorder
    ? { worldModel: recorder.wrap(agent.worldModel), reward: recorder.wrap(agent.reward), critic: recorder.wrap(agent.critic), actor: recorder.wrap(agent.actor), planner: recorder.wrap(agent.planner) }
    : agent;
  const { gamma } = options.config;
  const summaries: EpisodeSummary[] = [];
  let decisions = 0;
  try {
    learner.start();
    for (let episode = 0; episode < options.episodes; episode++) {
      const envSeed = episodeSeed(options.seed, episode);
      let obs = env.reset(envSeed);
      recorder?.episodeStarted(episode, envSeed, obs, env.saveState() as Json);
      let ret = 0;
      let discounted = 0;
      let perf: number | null = null;
      for (let step = 0; ; step++) {
        recorder?.decisionStarted(step, obs, decisionRng.state(), components, env.saveState() as Json);
        const plan = use.planner.plan(f32(obs), use, decisionRng, { episode, step });
        const result = env.step(plan.action);
        const ref = recorder?.envStepped(plan.action, result);
        decisions++;
        ret += result.reward;
        discounted += gamma ** step * result.reward;
        if (result.performance !== null) perf = (perf ?? 0) + result.performance;
        learner.observe(obs, plan.action, result.reward, result.observation, result.terminated, ref?.seq ?? -1, greedy(plan.scores.data));
        obs = result.observation;
        if (result.terminated || result.truncated) {
          learner.endEpisode(result.terminated);
          const summary: EpisodeSummary = { episode, return: ret, discountedReturn: discounted, performanceReturn: perf, length: step + 1, reason: result.terminated ? 'terminated' : 'truncated' };
          recorder?.episodeEnded(summary);
          summaries.push(summary);
          options.onEpisode?.(summary);
          break;
        }
      }
      // Let the recorder's batch timer and signal handlers run between episodes.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    disposeAgent(agent);
  }
  return { episodes: summaries, decisions };
}

function greedy(q: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < q.length; i++) if (q[i]! > q[best]!) best = i;
  return best;
}
