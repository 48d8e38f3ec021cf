import type { Actor, Critic, RewardFunction, WorldModel } from '../../src/agent/components.js';
import { BeamPlanner } from '../../src/agent/reference/beam-planner.js';
import { f32, type Tensor } from '../../src/events/tensor.js';
import type { ActionSpec, EnvState, Environment, ObservationSpec, StepResult } from '../../src/envs/environment.js';
import { EpisodeOverError } from '../../src/envs/episode-over-error.js';
import { runEpisodes } from '../../src/harness/episode-loop.js';
import { AgentRecorder } from '../../src/record/agent-recorder.js';
import { Recorder } from '../../src/record/recorder.js';

/**
 * A small deterministic agent recorded the way the reference agent is (the harness's episode
 * loop, AgentRecorder, the beam planner, instrumented components), without tfjs so that tests run in milliseconds: a walk on a
 * line from a seed-dependent start, terminated at either end, truncated after `maxSteps`.
 */
export interface ToyRunOptions {
  seed: number;
  episodes: number;
  maxSteps?: number;
  /** From this decision id on, the critic adds `criticBias` to every value (a planted deliberation divergence). */
  criticBiasFrom?: number;
  criticBias?: number;
  /** Version string of the critic (a different checkpoint). */
  criticVersion?: string;
  /** Planner exploration: ε at episode 0 (decays by 0.9 per episode). */
  planner?: { epsilonStart: number };
  /** Tensors above this many bytes go to the blob table (the recorder's default is 256). */
  blobThreshold?: number;
}

const OBS = 3;

/** A walk on a line: an Environment like the built-in ones, so the harness's one loop runs it. */
class LineEnv implements Environment {
  readonly id = 'toy-line';
  x = 0;
  t = 0;
  private over = true;
  constructor(readonly maxEpisodeSteps: number) {}
  observationSpec(): ObservationSpec {
    return { shape: [OBS], dtype: 'float32', names: ['x', 't', 'bias'] };
  }
  actionSpec(): ActionSpec {
    return { kind: 'discrete', n: 2, names: ['left', 'right'] };
  }
  reset(seed: number): Float32Array {
    this.x = (seed % 5) - 2;
    // Observations do not depend on maxSteps, so runs with different step limits align.
    this.t = 0;
    this.over = false;
    return this.obs();
  }
  step(action: number | Float32Array): StepResult {
    if (this.over) throw new EpisodeOverError('toy-line', this.t === 0 ? 'not_started' : 'terminated');
    this.x += action === 1 ? 1 : -1;
    this.t++;
    const terminated = Math.abs(this.x) >= 4;
    const truncated = !terminated && this.t >= this.maxEpisodeSteps;
    this.over = terminated || truncated;
    return { observation: this.obs(), reward: terminated ? 1 : -0.1, terminated, truncated, performance: null };
  }
  saveState(): EnvState {
    return { x: this.x, t: this.t };
  }
  restoreState(state: EnvState): void {
    this.x = state.x as number;
    this.t = state.t as number;
    this.over = false;
  }
  private obs(): Float32Array {
    return Float32Array.from([this.x / 4, this.t / 20, 1]);
  }
}

function toyComponents(o: ToyRunOptions, decision: () => number | null) {
  const worldModel: WorldModel = {
    name: 'world_model',
    role: 'world_model',
    kind: 'toy',
    version: () => 'toy-wm-1',
    predict(states, actions) {
      const n = actions.data.length;
      const next = new Float32Array(n * OBS);
      for (let i = 0; i < n; i++) {
        next[i * OBS] = states.data[i * OBS]! + (actions.data[i] === 1 ? 0.25 : -0.25);
        next[i * OBS + 1] = states.data[i * OBS + 1]! + 0.05;
        next[i * OBS + 2] = 1;
      }
      return { nextStates: f32(next, [n, OBS]), done: null };
    },
  };
  const reward: RewardFunction = {
    name: 'reward',
    role: 'reward',
    kind: 'toy',
    version: () => 'toy-reward-1',
    evaluate(_states, actions, nextStates) {
      const n = actions.data.length;
      return f32(Array.from({ length: n }, (_, i) => Math.abs(nextStates!.data[i * OBS]!) - 0.1));
    },
  };
  const critic: Critic = {
    name: 'critic',
    role: 'critic',
    kind: 'toy',
    version: () => o.criticVersion ?? 'toy-critic-1',
    evaluate(states: Tensor) {
      const n = states.shape[0]!;
      const d = decision();
      const bias = o.criticBiasFrom !== undefined && d !== null && d >= o.criticBiasFrom ? (o.criticBias ?? 1) : 0;
      return f32(Array.from({ length: n }, (_, i) => 2 * Math.abs(states.data[i * OBS]!) + bias));
    },
  };
  const actor: Actor = {
    name: 'actor',
    role: 'actor',
    kind: 'toy',
    version: () => 'toy-actor-1',
    propose(states) {
      const n = states.shape[0]!;
      const p = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const right = 1 / (1 + Math.exp(-4 * states.data[i * OBS]!));
        p[i * 2] = 1 - right;
        p[i * 2 + 1] = right;
      }
      return f32(p, [n, 2]);
    },
  };
  return { worldModel, reward, critic, actor };
}

/** Records a toy run `id` into `db`; returns its decision count. */
export async function recordToyRun(db: string, id: string, o: ToyRunOptions): Promise<number> {
  const env = new LineEnv(o.maxSteps ?? 12);
  const recorder = await Recorder.open(db);
  try {
    const run = await recorder.startRun({ id, name: `toy ${id}`, seed: o.seed, env: 'toy-line', batchSize: 256, ...(o.blobThreshold === undefined ? {} : { blobThreshold: o.blobThreshold }) });
    const rec = new AgentRecorder(run);
    const parts = toyComponents(o, () => rec.position.decision);
    const planner = new BeamPlanner('planner', 2, { horizon: 2, beam: 2, gamma: 0.9, epsilonStart: o.planner?.epsilonStart ?? 0.3, epsilonDecay: 0.9, epsilonMin: 0.05 });
    const { decisions } = await runEpisodes({
      env,
      components: { ...parts, planner },
      recorder: rec,
      seed: o.seed,
      episodes: o.episodes,
      discount: 1,
      envSeed: (episode) => 31 * episode + 7 * o.seed,
    });
    await run.end('completed', null, { episodes: o.episodes, decisions });
    return decisions;
  } finally {
    await recorder.close();
  }
}
