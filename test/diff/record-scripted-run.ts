import { f32, i32 } from '../../src/events/tensor.js';
import { Recorder } from '../../src/record/recorder.js';

/** One decision of a scripted run: where it is, what it saw, what the critic said and what was chosen. */
export interface ScriptedDecision {
  episode: number;
  step: number;
  obs?: number[];
  value?: number;
  action?: number;
  /** Decision id (defaults to the position in the script). */
  decision?: number;
}

/** Observation of a scripted decision by default: a function of (episode, step) only. */
export function defaultObs(episode: number, step: number): number[] {
  return [episode, step];
}

/**
 * Records a run decision by decision exactly as scripted (decision.started, critic.evaluated,
 * actor.chose, env.stepped), with episode.ended after each episode's last decision, so tests can
 * build runs of any shape: different lengths, episodes ending at different steps, derived runs
 * holding only some decisions, runs out of order.
 */
export async function recordScriptedRun(db: string, id: string, script: readonly ScriptedDecision[], o: { sourceRun?: string; episodeEnds?: boolean } = {}): Promise<void> {
  const rec = await Recorder.open(db);
  try {
    const run = await rec.startRun({ id, sourceRun: o.sourceRun ?? null, overrides: o.sourceRun ? { critic: 'scripted' } : null });
    let ret = 0;
    let length = 0;
    script.forEach((d, i) => {
      const at = { episode: d.episode, step: d.step, decision: d.decision ?? i };
      const obs = d.obs ?? defaultObs(d.episode, d.step);
      const started = run.append({ type: 'decision.started', ...at, payload: { observation: f32(obs), rng_state: `rng-${d.episode}-${d.step}`, versions: { critic: 'v1', planner: 'p1' }, env_state: null } });
      const call = { ...at, parent: started.seq };
      run.append({ type: 'critic.evaluated', ...call, component: 'critic', version: 'v1', payload: { states: f32(obs, [1, obs.length]), values: f32([d.value ?? 0.5]) } });
      const action = d.action ?? 0;
      run.append({ type: 'actor.chose', ...call, component: 'planner', version: 'p1', payload: { action, candidates: i32([0, 1]), scores: f32(action === 0 ? [1, 0] : [0, 1]), chosen_index: action, value: d.value ?? 0.5, chooser: 'planner' } });
      run.append({ type: 'env.stepped', ...call, payload: { action, observation: f32(obs), reward: 1, terminated: false, truncated: false, performance: null } });
      ret += 1;
      length++;
      const next = script[i + 1];
      if ((o.episodeEnds ?? true) && (next === undefined || next.episode !== d.episode)) {
        run.append({ type: 'episode.ended', episode: d.episode, step: d.step + 1, payload: { return: ret, discounted_return: ret, performance_return: null, length, reason: 'truncated' } });
        ret = 0;
        length = 0;
      }
    });
    await run.end('completed');
  } finally {
    await rec.close();
  }
}

/** A script of `episodes` episodes, episode e having lengths[e] steps. */
export function script(lengths: readonly number[], f: (d: ScriptedDecision) => ScriptedDecision = (d) => d): ScriptedDecision[] {
  const out: ScriptedDecision[] = [];
  lengths.forEach((n, episode) => {
    for (let step = 0; step < n; step++) out.push(f({ episode, step }));
  });
  return out;
}
