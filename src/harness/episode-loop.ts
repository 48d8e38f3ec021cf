import { componentsList, type AgentComponents } from '../agent/agent-factory.js';
import type { Learner } from '../agent/learner.js';
import { DISCARD_LEARNING } from '../agent/learning-sink.js';
import type { Environment } from '../envs/environment.js';
import type { Json } from '../events/common-schemas.js';
import { f32, type Tensor } from '../events/tensor.js';
import { SeededRng } from '../random/seeded-rng.js';
import type { AgentRecorder } from '../record/agent-recorder.js';

export interface EpisodeSummary {
  episode: number;
  return: number;
  discountedReturn: number;
  performanceReturn: number | null;
  /** Steps from the episode's start (a resumed episode counts the steps before it resumed). */
  length: number;
  /** 'aborted' when `maxSteps` cut a resumed episode short. */
  reason: 'terminated' | 'truncated' | 'aborted';
}

export interface EpisodeLoopOptions {
  env: Environment;
  components: AgentComponents;
  /** Online learning; null for a frozen agent. Its updates go to the recorder. */
  learner?: Learner | null;
  /** Records everything when given; recording off otherwise. */
  recorder?: AgentRecorder | null;
  /** The run seed: each episode's env seed derives from it. */
  seed: number;
  episodes: number;
  discount: number;
  /** Env seed of each episode (default: `episodeSeed(seed, episode)`). */
  envSeed?: (episode: number) => number;
  /** Where the planner's random draws come from (default: the 'decisions' fork of the run seed). */
  rng?: SeededRng;
  /**
   * Continue one episode from the environment's current, restored state instead of resetting
   * (closed-loop re-simulation); stops after `maxSteps` when given.
   */
  resume?: { episode: number; step: number; observation: Float32Array; maxSteps?: number; carry?: Tensor | null };
  onEpisode?: (e: EpisodeSummary) => void;
}

export interface EpisodeLoopResult {
  episodes: EpisodeSummary[];
  decisions: number;
  /** The first action taken (closed loop compares it with the recorded one). */
  firstAction: number | Float32Array | null;
}

/** Env seed of an episode: derived from the run seed so that runs with equal seeds see equal episodes. */
export function episodeSeed(runSeed: number, episode: number): number {
  return (Math.imul(runSeed >>> 0, 1000003) + episode) >>> 0;
}

/**
 * The one loop that runs an agent in an environment: one decision per env step, the decision's
 * rng state recorded before the planner draws from it (so replay can restore it), the real
 * outcome recorded, then the learner sees the transition. Training, the demo, closed-loop
 * re-simulation and the examples all run through here.
 */
export async function runEpisodes(o: EpisodeLoopOptions): Promise<EpisodeLoopResult> {
  const { env, components, recorder = null, learner = null } = o;
  const sink = recorder ?? DISCARD_LEARNING;
  const rng = o.rng ?? SeededRng.fromSeed(o.seed).fork('decisions');
  const all = componentsList(components);
  const use = recorder
    ? { worldModel: recorder.wrap(components.worldModel), reward: recorder.wrap(components.reward), critic: recorder.wrap(components.critic), actor: recorder.wrap(components.actor), planner: recorder.wrap(components.planner) }
    : components;
  const episodes: EpisodeSummary[] = [];
  let decisions = 0;
  let firstAction: number | Float32Array | null = null;
  learner?.start(sink);
  const count = o.resume ? 1 : o.episodes;
  for (let i = 0; i < count; i++) {
    const episode = o.resume ? o.resume.episode : i;
    const startStep = o.resume ? o.resume.step : 0;
    let obs: Float32Array;
    if (o.resume) {
      obs = o.resume.observation;
      recorder?.episodeStarted(episode, -1, obs, env.saveState() as Json);
    } else {
      const envSeed = o.envSeed ? o.envSeed(episode) : episodeSeed(o.seed, episode);
      obs = env.reset(envSeed);
      recorder?.episodeStarted(episode, envSeed, obs, env.saveState() as Json);
    }
    let ret = 0;
    let discounted = 0;
    let perf: number | null = null;
    let reason: EpisodeSummary['reason'] = 'aborted';
    let step = startStep;
    // The planner's carry (a warm start) lives for one episode and is recorded with each decision.
    let carry: Tensor | null = o.resume?.carry ?? null;
    for (; ; step++) {
      recorder?.decisionStarted(step, obs, rng.state(), all, env.saveState() as Json, undefined, carry);
      const plan = use.planner.plan(f32(obs), use, rng, { episode, step, carry });
      carry = plan.carry ?? null;
      const result = env.step(plan.action);
      const ref = recorder?.envStepped(plan.action, result);
      firstAction ??= plan.action;
      decisions++;
      ret += result.reward;
      discounted += o.discount ** (step - startStep) * result.reward;
      if (result.performance !== null) perf = (perf ?? 0) + result.performance;
      learner?.observe(
        { observation: obs, action: plan.action, reward: result.reward, nextObservation: result.observation, terminated: result.terminated, truncated: result.truncated, envSeq: ref?.seq ?? -1, scores: plan.scores.data },
        sink,
      );
      obs = result.observation;
      if (result.terminated || result.truncated) {
        reason = result.terminated ? 'terminated' : 'truncated';
        learner?.endEpisode(result.terminated, sink);
        break;
      }
      if (o.resume?.maxSteps !== undefined && step - startStep + 1 >= o.resume.maxSteps) break;
    }
    const summary: EpisodeSummary = { episode, return: ret, discountedReturn: discounted, performanceReturn: perf, length: step + 1, reason };
    recorder?.episodeEnded(summary);
    episodes.push(summary);
    o.onEpisode?.(summary);
    // Let the recorder's batch timer and signal handlers run between episodes.
    await new Promise((resolve) => setImmediate(resolve));
  }
  learner?.finish?.(sink);
  return { episodes, decisions, firstAction };
}
