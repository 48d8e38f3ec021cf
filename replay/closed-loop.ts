import type { AnyComponent, Component, Planner } from '../src/agent/components.js';
import { initNumericBackend } from '../src/agent/backend/numeric-backend.js';
import { disposeAgent } from '../src/agent/reference/reference-agent.js';
import { makeEnvironment } from '../src/envs/registry.js';
import { InvalidInputError, NotFoundError } from '../src/errors/flightrec-error.js';
import type { Json } from '../src/events/common-schemas.js';
import { f32 } from '../src/events/tensor.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { SeededRng } from '../src/random/seeded-rng.js';
import { AgentRecorder } from '../src/record/agent-recorder.js';
import { Recorder } from '../src/record/recorder.js';
import { readEvents } from '../src/store/event-reader.js';
import type { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { ComponentHistory } from './component-history.js';
import type { SwapSpec } from './component-spec.js';
import { buildLiveAgent } from './live-agent.js';
import { plannerWith } from './reevaluate.js';
import { resolveSwap, type ResolvedSwap } from './resolve-swap.js';
import { loadRunContext } from './run-context.js';

export interface ClosedLoopOptions {
  from: number;
  swaps: SwapSpec[];
  plannerSettings?: Record<string, number | boolean>;
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
  first_action: number;
  source_first_action: number | null;
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
export async function closedLoop(store: SqliteEventStore, sourceRun: string, options: ClosedLoopOptions): Promise<ClosedLoopReport> {
  const ctx = await loadRunContext(store, sourceRun);
  const backend = await initNumericBackend('auto');
  let started: RecordedEvent<'decision.started'> | undefined;
  for await (const e of readEvents(store, sourceRun, { decision: options.from, types: ['decision.started'], limit: 1 })) started = e as RecordedEvent<'decision.started'>;
  if (started === undefined) throw new NotFoundError(`decision in run ${sourceRun}`, options.from);
  if (started.payload.env_state === null) throw new InvalidInputError(`decision ${options.from} recorded no environment state, so the environment cannot be continued from it`, { field: '--from', value: options.from });
  const episode = started.episode ?? 0;
  const startStep = started.step ?? 0;
  const source = await sourceTail(store, sourceRun, episode, startStep);

  const agent = buildLiveAgent(ctx);
  const resolved: ResolvedSwap[] = [];
  try {
    for (const s of options.swaps) resolved.push(await resolveSwap(store, ctx, s));
    const swapped = new Map<string, AnyComponent>(resolved.map((r) => [r.spec.role, r.component]));
    for (const live of [agent.worldModel, agent.reward, agent.critic, agent.actor]) {
      if (swapped.has(live.role)) continue;
      const version = started.payload.versions[live.name];
      if (version) new ComponentHistory(store, ctx.run.pk, ctx.run.id, live, 0).materialize(version, started.seq);
    }
    const components = {
      worldModel: (swapped.get('world_model') as never) ?? agent.worldModel,
      reward: (swapped.get('reward') as never) ?? agent.reward,
      critic: (swapped.get('critic') as never) ?? agent.critic,
      actor: (swapped.get('actor') as never) ?? agent.actor,
    };
    const planner: Planner = (swapped.get('planner') as Planner | undefined) ?? plannerWith(agent.planner, options.plannerSettings ?? {});
    const all: Component[] = [components.worldModel, components.reward, components.critic, components.actor, planner];

    const env = makeEnvironment(ctx.env);
    env.restoreState(started.payload.env_state as Record<string, unknown>);
    const recorder = Recorder.using(store);
    const derived = await recorder.startRun({
      ...(options.runId === undefined ? {} : { id: options.runId }),
      name: `closed-loop replay of ${sourceRun} from decision ${options.from}`,
      config: ctx.started.payload.config,
      seed: ctx.seed,
      env: ctx.env,
      components: all.map((c) => ({ name: c.name, role: c.role, kind: (c as { kind?: string }).kind ?? 'module', version: c.version() })),
      backend: { name: backend.name, tfjsVersion: backend.tfjsVersion, backendVersion: backend.backendVersion },
      codeVersion: ctx.started.payload.code_version,
      sourceRun,
      overrides: { mode: 'closed-loop', from: options.from, swap: Object.fromEntries(options.swaps.map((s) => [s.role, s.text])), set: (options.plannerSettings ?? {}) as Json },
    });
    const ar = new AgentRecorder(derived, options.from);
    ar.episodeStarted(episode, -1, started.payload.observation.data as Float32Array, started.payload.env_state);
    const use = { worldModel: ar.wrap(components.worldModel), reward: ar.wrap(components.reward), critic: ar.wrap(components.critic), actor: ar.wrap(components.actor) };
    const wrappedPlanner = ar.wrap(planner);
    const rng = SeededRng.fromState(started.payload.rng_state);
    let obs = started.payload.observation.data as Float32Array;
    let ret = 0;
    let perf: number | null = null;
    let discounted = 0;
    let firstAction = -1;
    let endedBy: ClosedLoopReport['ended_by'] = 'max_steps';
    let steps = 0;
    try {
      for (let step = startStep; ; step++) {
        ar.decisionStarted(step, obs, rng.state(), all, env.saveState() as Json);
        const plan = wrappedPlanner.plan(f32(obs), use, rng, { episode, step });
        const result = env.step(plan.action);
        ar.envStepped(plan.action, result);
        if (steps === 0) firstAction = plan.action;
        ret += result.reward;
        discounted += ctx.config.gamma ** steps * result.reward;
        if (result.performance !== null) perf = (perf ?? 0) + result.performance;
        steps++;
        obs = result.observation;
        if (result.terminated || result.truncated) {
          endedBy = result.terminated ? 'terminated' : 'truncated';
          break;
        }
        if (options.maxSteps !== undefined && steps >= options.maxSteps) break;
      }
      ar.episodeEnded({ return: ret, discountedReturn: discounted, performanceReturn: perf, length: startStep + steps, reason: endedBy === 'max_steps' ? 'aborted' : endedBy });
      await derived.end('completed', null, { episodes: 1, decisions: steps });
    } catch (e) {
      await derived.end('failed', e instanceof Error ? e.message : String(e)).catch(() => undefined);
      throw e;
    }
    return {
      source_run: sourceRun,
      derived_run: derived.id,
      from_decision: options.from,
      episode,
      start_step: startStep,
      steps,
      ended_by: endedBy,
      first_action: firstAction,
      source_first_action: source.firstAction,
      reward_return: ret,
      performance_return: perf,
      source_reward_return: source.reward,
      source_performance_return: source.performance,
      source_steps: source.steps,
    };
  } finally {
    for (const r of resolved) r.dispose();
    disposeAgent(agent);
  }
}

/** What the recorded run did from (episode, step) to the episode's end. */
async function sourceTail(store: SqliteEventStore, run: string, episode: number, fromStep: number) {
  let reward = 0;
  let performance: number | null = null;
  let steps = 0;
  let firstAction: number | null = null;
  for await (const e of readEvents(store, run, { types: ['env.stepped'], episode, stepFrom: fromStep })) {
    if (e.type !== 'env.stepped') continue;
    if (firstAction === null && typeof e.payload.action === 'number') firstAction = e.payload.action;
    reward += e.payload.reward;
    if (e.payload.performance !== null) performance = (performance ?? 0) + e.payload.performance;
    steps++;
  }
  return { reward, performance, steps, firstAction };
}
