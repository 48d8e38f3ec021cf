import type { Environment } from '../envs/environment.js';
import type { PayloadOf } from '../events/registry.js';
import type { AuditOutcome, AuditProjection, DrivingDecision, VerdictReason } from './audit-types.js';
import type { AuditContext } from './audit-context.js';
import type { DecisionView, Prediction } from './decision-view.js';
import type { TensorData } from '../events/tensor.js';
import { DoneCalibration, type DoneCalibrationFigures } from './done-calibration.js';
import { FollowedPlans, type KStep } from './followed-plans.js';
import { formatFigure } from './format-figure.js';
import type { PlanLeaf } from './plan-tree.js';
import { rollOutPlan, rolloutEnvironment } from './plan-rollout.js';
import { sampledPlans } from './sampled-plans.js';
import { treePlans } from './tree-plans.js';
import { stateError } from './state-error.js';
import { FINAL_SHARE, MIN_SAMPLES, THRESHOLDS, worst } from './thresholds.js';
import { TopK } from './top-k.js';
import { uniqueDecisions } from './unique-decisions.js';
import { verdictReason } from './verdict-reason.js';
import { VersionWindows, type VersionWindow } from './version-windows.js';
import { Welford } from './welford.js';
import { withoutSpan } from './window-span.js';
import { emptyWorldModelWindow, mergeWorldModelWindow, worldModelFigures, type WorldModelFigures, type WorldModelWindow, type WorldModelWindowFigures } from './world-model-figures.js';

/** Non-chosen plans rolled out per decision at most (evenly spaced over the search's leaves). */
const MAX_ROLLOUTS = 32;

export interface WorldModelResult extends AuditOutcome, WorldModelFigures {
  /** Where realized plan returns come from: real rollouts from env_state, or the trajectory where actions followed the plan. */
  optimism_source: 'env-rollout' | 'trajectory' | null;
  /** Along chosen plans where the real actions followed them, by k = 1..horizon: mean per-element MSE, imagined and realized return of the first k steps. */
  k_step: KStep[];
  /** P(done) of the row at (observation, real action) against real termination (truncation is not an end the model sees). */
  done: DoneCalibrationFigures;
  final: WorldModelWindowFigures | null;
  windows: WorldModelWindowFigures[];
}

/**
 * World-model fidelity and exploitation (docs/design.md, "Audits").
 * - one step: the world-model row at (observation, real action) against the real next
 *   observation; P(done) calibration against real termination;
 * - k steps: the chosen plan's imagined states against the real observations while the real
 *   actions followed the plan;
 * - optimism: a plan's imagined discounted return (search rewards weighted by P(alive), no leaf
 *   value) − the realized return of the same actions over the same steps. On built-in envs the
 *   chosen plan and up to 32 others are rolled out from decision.started's env_state, so chosen
 *   and non-chosen plans are measured alike; elsewhere only chosen plans the agent followed are.
 *   A planner that exploits model errors picks the plans the model flatters: chosen-plan
 *   optimism above non-chosen optimism.
 * Windows follow the world-model version.
 */
export class WorldModelAudit implements AuditProjection<WorldModelResult> {
  private readonly windows = new VersionWindows<WorldModelWindow>(emptyWorldModelWindow, mergeWorldModelWindow);
  private readonly env: Environment | null;
  private readonly followed = new FollowedPlans();
  private readonly done = new DoneCalibration();
  private readonly realDims: Welford[] = [];
  private noPlan = 0;
  private noPrediction = 0;
  private noRollout = 0;
  private samplesNotRecorded = 0;
  private doneMissing = false;

  constructor(private readonly ctx: AuditContext) {
    this.env = rolloutEnvironment(ctx.env);
  }

  observe(view: DecisionView): void {
    const out = view.outcome;
    const action = view.action;
    const actionKey = view.actionKey;
    const w = this.windows.at(view.versionOf('world_model'), view.id);
    if (out === null || actionKey === null) return;
    const real = out.observation.data;
    for (let j = 0; j < real.length; j++) (this.realDims[j] ??= new Welford()).add(real[j]!);
    const wm = view.predicted(view.observationKey, actionKey);
    if (wm === null) this.noPrediction++;
    else {
      const { mse, maxAbs } = stateError(wm.next, real);
      w.n++;
      w.sumMse += mse;
      w.sse += mse * real.length;
      w.maxAbs = Math.max(w.maxAbs, maxAbs);
      w.worstError.add(mse, { decision: view.id, episode: view.episode, step: view.step, value: mse, why: `one-step MSE ${formatFigure(mse)} (max |Δ| ${formatFigure(maxAbs)})` });
      if (wm.done !== null) this.done.add(wm.done, out.terminated);
    }
    const gamma = this.ctx.plannerGamma;
    if (action === null) {
      this.observeSampled(view, w, gamma);
      return;
    }
    const tree = view.planTree();
    const searched = tree === null ? view.events('planner.searched').at(-1) : undefined;
    if (searched !== undefined) this.observeTree(view, w, searched.payload, gamma);
    else if (tree === null || tree.chosenLeaf === null) this.noPlan++;
    else {
      this.doneMissing ||= tree.doneMissing;
      this.followed.start(view.id, tree.chosenLeaf);
      if (this.env !== null && gamma !== null && view.record.started.payload.env_state !== null) this.rollOut(view, w, tree.leaves, tree.chosenLeaf, gamma);
    }
    for (const p of this.followed.step(action, out.reward, real, out.terminated, gamma ?? 1)) {
      // Without rollouts, chosen-plan optimism comes from the plans the agent then followed.
      if (this.env !== null || p.optimism === null) continue;
      w.chosenN++;
      w.sumChosen += p.optimism;
      w.worstOptimism.add(p.optimism, { decision: p.decision, episode: view.episode, step: null, value: p.optimism, why: optimismWhy(p.actions, p.optimism) });
    }
    if (out.terminated || out.truncated) this.followed.clear();
  }

  /**
   * Continuous actions (MPPI): the executed plan is the elite the planner drew, whole, rolled out
   * in the real dynamics from env_state beside the other elites; the next decision re-plans, so
   * no later real action follows it. Needs the decision's sample tensors (the recording policy).
   */
  private observeSampled(view: DecisionView, w: WorldModelWindow, gamma: number | null): void {
    if (gamma === null) return;
    const plans = sampledPlans(view, gamma);
    if (plans === null) this.noPlan++;
    else if (plans === 'not-recorded') this.samplesNotRecorded++;
    else {
      const chosen = plans.find((p) => p.chosen);
      if (chosen !== undefined && this.env !== null && view.record.started.payload.env_state !== null) this.rollOut(view, w, plans, chosen, gamma);
    }
  }

  /**
   * MCTS: the chosen path (the executed action, then the most visited children) rolled out from
   * env_state beside the paths to the tree's other leaves, and followed by the real steps after it
   * for the k-step error. The tree records no imagined states: they are the world-model rows along
   * the path from the observation, matched by content.
   */
  private observeTree(view: DecisionView, w: WorldModelWindow, tree: PayloadOf<'planner.searched'>, gamma: number | null): void {
    if (gamma === null) return;
    const plans = treePlans(tree, gamma);
    const chosen = plans.find((p) => p.chosen);
    if (chosen === undefined) {
      this.noPlan++;
      return;
    }
    const states: (TensorData | null)[] = [];
    let key: string | null = view.observationKey;
    for (const a of chosen.actions) {
      const p: Prediction | null = key === null ? null : view.predicted(key, a);
      states.push(p?.next ?? null);
      key = p?.nextKey ?? null;
    }
    this.followed.start(view.id, { depth: chosen.actions.length - 1, row: tree.chosen_path.at(-1)!, ...chosen, states });
    if (this.env !== null && view.record.started.payload.env_state !== null) this.rollOut(view, w, plans, chosen, gamma);
  }

  /** Rolls the chosen plan and up to MAX_ROLLOUTS others out in the real dynamics from the decision's env_state. */
  private rollOut(view: DecisionView, w: WorldModelWindow, leaves: readonly RolloutPlan[], chosen: RolloutPlan, gamma: number): void {
    const optimismOf = (leaf: RolloutPlan): number | null => {
      const r = rollOutPlan(this.env!, view.record.started.payload.env_state!, leaf.actions, gamma);
      if (r === null || r.returns.length === 0) return null;
      const steps = r.returns.length;
      const realized = r.returns[steps - 1]!;
      // Truncated early: compare over the steps the env allowed; terminated: the rest pays 0.
      const imagined = r.stopped === 'truncated' ? leaf.returns[steps - 1] : leaf.imaginedReturn;
      if (imagined === null || imagined === undefined) return null;
      w.realized.add(realized);
      return imagined - realized;
    };
    const c = optimismOf(chosen);
    if (c === null) {
      this.noRollout++;
      return;
    }
    w.chosenN++;
    w.sumChosen += c;
    w.worstOptimism.add(c, { decision: view.id, episode: view.episode, step: view.step, value: c, why: optimismWhy(chosen.actions, c) });
    const others = leaves.filter((l) => !l.chosen && l.imaginedReturn !== null);
    const stride = Math.max(1, others.length / MAX_ROLLOUTS);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < others.length && n < MAX_ROLLOUTS; i += stride) {
      const o = optimismOf(others[Math.floor(i)]!);
      if (o === null) continue;
      sum += o;
      n++;
    }
    if (n === 0) return;
    w.nonN += n;
    w.sumNon += sum;
    w.gapN++;
    w.sumGap += c - sum / n;
  }

  abandonEpisode(): void {
    this.followed.clear();
  }

  finish(): WorldModelResult {
    const realVariance = this.realDims.reduce((s, d) => s + (d.n === 0 ? 0 : d.m2 / d.n), 0);
    const figuresOf = (ws: readonly VersionWindow<WorldModelWindow>[]) => worldModelFigures(ws, realVariance);
    const windows = this.windows.windows.map((w) => figuresOf([w]));
    const all = figuresOf(this.windows.windows);
    // Continuous runs whose executed actions were perturbed after planning have optimism without one-step rows.
    const tail = this.windows.tail(FINAL_SHARE, (a) => Math.max(a.n, a.chosenN));
    const final = tail.length === 0 ? null : figuresOf(tail);
    const done = this.done.figures();
    const notes: string[] = [];
    if (this.noPrediction > 0) notes.push(`${this.noPrediction} decisions have no world-model row at (observation, real action)`);
    if (this.noPlan > 0) notes.push(`${this.noPlan} decisions recorded no planner search with a chosen path (no k-step error or optimism for them)`);
    if (this.ctx.plannerGamma === null) notes.push('no discount: optimism needs agent.gamma (or agent.planner.gamma) in the run config, or --gamma');
    if (this.doneMissing) notes.push('some search steps have no world-model row for their parent state: P(alive) counts them as alive');
    if (this.samplesNotRecorded > 0) notes.push(`${this.samplesNotRecorded} decisions of a sampling planner recorded no sample tensors (recordSamplesEvery): their chosen plans are not measured`);
    if (this.noRollout > 0) notes.push(`${this.noRollout} chosen plans could not be rolled out from their env_state`);
    if (this.env === null) notes.push(`environment ${this.ctx.env ?? '(none)'} is not built in: optimism is measured on chosen plans the agent followed; non-chosen plans are not available`);
    const reasons: VerdictReason[] = [];
    const decisions: DrivingDecision[] = [];
    if (final === null || (final.n < MIN_SAMPLES && final.optimism_plans.chosen < MIN_SAMPLES)) {
      notes.push(`fewer than ${MIN_SAMPLES} decisions with a one-step prediction or a measured chosen plan: no verdict`);
    } else {
      const T = THRESHOLDS.world_model;
      if (final.n >= MIN_SAMPLES) reasons.push(verdictReason('final.relative_one_step_error', 'one-step MSE / Var(next obs)', final.relative_one_step_error, T.relative_one_step_error));
      else notes.push(`fewer than ${MIN_SAMPLES} decisions with a world-model row at (observation, real action): one-step error not judged`);
      if (done.n >= MIN_SAMPLES) reasons.push(verdictReason('done.calibration_error', 'P(done) calibration error', done.calibration_error, T.done_calibration_error));
      if (final.optimism_plans.chosen >= MIN_SAMPLES) reasons.push(verdictReason('final.relative_optimism', 'chosen-plan optimism / std(realized)', final.relative_optimism, T.relative_optimism));
      if (final.optimism_plans.non_chosen >= MIN_SAMPLES) reasons.push(verdictReason('final.exploitation_gap', '(chosen − non-chosen optimism) / std(realized)', final.exploitation_gap, T.exploitation_gap));
      const byOptimism = new TopK<DrivingDecision>(5);
      const byError = new TopK<DrivingDecision>(5);
      for (const w of tail) {
        byOptimism.merge(w.agg.worstOptimism);
        byError.merge(w.agg.worstError);
      }
      // List first the decisions behind the rule that sets the verdict.
      const verdict = worst(reasons.map((r) => r.verdict));
      const optimismDrives = reasons.some((r) => r.verdict === verdict && /optimism|exploitation/.test(r.metric));
      decisions.push(...(optimismDrives ? uniqueDecisions(byOptimism.list(), byError.list()) : uniqueDecisions(byError.list(), byOptimism.list())));
    }
    const figures = withoutSpan(all);
    return {
      verdict: worst(reasons.map((r) => r.verdict)),
      reasons,
      decisions,
      notes,
      ...figures,
      optimism_source: all.optimism_plans.chosen === 0 ? null : this.env !== null ? 'env-rollout' : 'trajectory',
      k_step: this.followed.kStepErrors(),
      done,
      final,
      windows,
    };
  }
}

/** A plan to roll out: a search leaf (discrete actions) or a sampled sequence (one vector per step). */
type RolloutPlan = Pick<PlanLeaf, 'imaginedReturn' | 'returns' | 'chosen'> & { actions: readonly (number | Float32Array)[] };

function optimismWhy(actions: readonly (number | Float32Array)[], optimism: number): string {
  const text = actions.map((a) => (typeof a === 'number' ? String(a) : a.length === 1 ? formatFigure(a[0]!) : `[${Array.from(a, (x) => formatFigure(x)).join(' ')}]`));
  return `chosen plan [${text.join(',')}] imagined ${formatFigure(optimism)} more return than reality paid`;
}

