import type { PlannerSettingValue } from '../src/agent/planner-settings.js';
import { ENVIRONMENT_IDS, makeEnvironment } from '../src/envs/registry.js';
import { InvalidInputError, NotFoundError } from '../src/errors/flightrec-error.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { runEpisodes } from '../src/harness/episode-loop.js';
import { SeededRng } from '../src/random/seeded-rng.js';
import { AgentRecorder } from '../src/record/agent-recorder.js';
import { readEvents } from '../src/store/event-reader.js';
import type { EventStore } from '../src/store/event-store.js';
import { assembleAgent } from './assemble-agent.js';
import type { SwapSpec } from './component-spec.js';
import type { RunContextOptions } from './run-context.js';
import { startDerivedRun } from './start-derived-run.js';

export interface ClosedLoopOptions extends RunContextOptions {
  from: number;
  swaps: SwapSpec[];
  plannerSettings?: Record<string, PlannerSettingValue>;
  /** Stop after this many steps; default: the end of the episode. */
  maxSteps?: number;
  runId?: string;
}

export interface ClosedLoopReport {
  source_run: string;
  derived_run: string;
  from_decision: number;
  episode: number;
  start_step: number;
  steps: number;
  ended_by: 'terminated' | 'truncated' | 'max_steps';
  first_action: number | number[];
  source_first_action: number | number[] | null;
  reward_return: number;
  performance_return: number | null;
  /** What the recorded run collected from the same decision to its episode's end. */
  source_reward_return: number;
  source_performance_return: number | null;
  source_steps: number;
}

/**
 * Closed-loop re-simulation: restores the environment saved at a recorded decision and lets the
 * modified agent act from there, with components frozen at the versions in effect at that
 * decision (no learning), the recorded random state, and every step recorded into a derived run.
 */
export async function closedLoop(store: EventStore, sourceRun: string, options: ClosedLoopOptions): Promise<ClosedLoopReport> {
  let started: RecordedEvent<'decision.started'> | undefined;
  for await (const e of readEvents(store, sourceRun, { decision: options.from, types: ['decision.started'], limit: 1 })) started = e as RecordedEvent<'decision.started'>;
  if (started === undefined) throw new NotFoundError(`decision in run ${sourceRun}`, options.from);
  if (started.payload.env_state === null) throw new InvalidInputError(`decision ${options.from} recorded no environment state, so the environment cannot be continued from it`, { field: '--from', value: options.from });
  const episode = started.episode ?? 0;
  const startStep = started.step ?? 0;
  const source = await sourceTail(store, sourceRun, episode, startStep);

  const agent = await assembleAgent(store, sourceRun, options);
  try {
    const { ctx } = agent;
    if (!(ENVIRONMENT_IDS as readonly string[]).includes(ctx.env)) {
      throw new InvalidInputError(`run ${sourceRun} ran in environment ${ctx.env}, which flightrec cannot build to continue it; closed-loop replay needs a built-in environment that saves and restores its state`, { field: '--closed-loop', value: ctx.env });
    }
    agent.materializeAt(started);
    const components = agent.with(agent.live.components);
    const env = makeEnvironment(ctx.env);
    env.restoreState(started.payload.env_state as Record<string, unknown>);
    const derived = await startDerivedRun(store, agent, {
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      name: `closed-loop replay of ${sourceRun} from decision ${options.from}`,
      mode: 'closed-loop',
      components: [components.worldModel, components.reward, components.critic, components.actor, components.planner],
      withVersions: true,
      overrides: { from: options.from },
    });
    let result;
    try {
      result = await runEpisodes({
        env,
        components,
        recorder: new AgentRecorder(derived, options.from),
        seed: ctx.seed ?? 0,
        episodes: 1,
        discount: ctx.discount ?? 1,
        rng: SeededRng.fromState(started.payload.rng_state),
        resume: { episode, step: startStep, observation: started.payload.observation.data as Float32Array, carry: started.payload.planner_carry ?? null, ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }) },
      });
      await derived.end('completed', null, { episodes: 1, decisions: result.decisions });
    } catch (e) {
      await derived.end('failed', e instanceof Error ? e.message : String(e)).catch(() => undefined);
      throw e;
    }
    const summary = result.episodes[0]!;
    return {
      source_run: sourceRun,
      derived_run: derived.id,
      from_decision: options.from,
      episode,
      start_step: startStep,
      steps: result.decisions,
      ended_by: summary.reason === 'aborted' ? 'max_steps' : summary.reason,
      first_action: actionValue(result.firstAction),
      source_first_action: source.firstAction,
      reward_return: summary.return,
      performance_return: summary.performanceReturn,
      source_reward_return: source.reward,
      source_performance_return: source.performance,
      source_steps: source.steps,
    };
  } finally {
    agent.dispose();
  }
}

function actionValue(a: number | Float32Array | null): number | number[] {
  return a === null ? -1 : typeof a === 'number' ? a : Array.from(a);
}

/** What the recorded run did from (episode, step) to the episode's end. */
async function sourceTail(store: EventStore, run: string, episode: number, fromStep: number) {
  let reward = 0;
  let performance: number | null = null;
  let steps = 0;
  let firstAction: number | number[] | null = null;
  for await (const e of readEvents(store, run, { types: ['env.stepped'], episode, stepFrom: fromStep })) {
    if (e.type !== 'env.stepped') continue;
    const a = e.payload.action;
    if (firstAction === null) firstAction = typeof a === 'number' ? a : Array.from(a.data as ArrayLike<number>);
    reward += e.payload.reward;
    if (e.payload.performance !== null) performance = (performance ?? 0) + e.payload.performance;
    steps++;
  }
  return { reward, performance, steps, firstAction };
}
