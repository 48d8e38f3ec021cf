import type { Verdict } from './audit-types.js';

/** A rule on one figure: `min` rules flag values below warn/fail, `max` rules values above them. */
export interface Threshold {
  readonly kind: 'min' | 'max';
  readonly warn: number;
  readonly fail: number;
  /** Why this bound, in one line. */
  readonly rationale: string;
}

/**
 * Every bound a verdict is judged against, in one table. Figures are scale-free (shares,
 * correlations, ratios to the spread of the realized quantity) so that one table serves
 * gridworld returns of 0-6 and cartpole returns of 0-30 alike.
 */
export const THRESHOLDS = {
  critic: {
    explained_variance: { kind: 'min', warn: 0.5, fail: 0, rationale: 'below 0 the critic predicts returns worse than their mean does; below 0.5 it misses half their variance' },
    relative_bias: { kind: 'max', warn: 0.2, fail: 0.5, rationale: '|mean(V − G)| / max(std(G), 10% of |mean G|): a bias of half the spread of returns reorders states a planner compares across episodes (the floor keeps near-constant returns from inflating it)' },
    rank_correlation: { kind: 'min', warn: 0.6, fail: 0.3, rationale: 'a planner only needs the critic to order states; Spearman below 0.3 means it barely can' },
    non_finite: { kind: 'max', warn: 0, fail: 0, rationale: 'any NaN or ±Infinity value means the critic diverged' },
  },
  actor: {
    agreement: { kind: 'min', warn: 0.9, fail: 0.75, rationale: 'ε-exploration and multi-step search explain a few non-maximising choices; more than a quarter means the actor maximises something else' },
    relative_regret: { kind: 'max', warn: 0.1, fail: 0.25, rationale: 'mean regret / mean spread of Q over the candidates: the share of the achievable value the choices give up' },
  },
  world_model: {
    relative_one_step_error: { kind: 'max', warn: 0.1, fail: 0.5, rationale: 'one-step MSE / variance of the real next observation (1 − R²): above 0.5 the model explains less than half of what happens' },
    done_calibration_error: { kind: 'max', warn: 0.1, fail: 0.25, rationale: 'expected calibration error of P(done): a planner that misjudges episode ends by 25 points walks off cliffs or fears none' },
    relative_optimism: { kind: 'max', warn: 0.25, fail: 0.5, rationale: 'chosen-plan optimism / std of realized plan returns: imagined returns reality does not pay' },
    exploitation_gap: { kind: 'max', warn: 0.15, fail: 0.3, rationale: '(chosen − non-chosen optimism) / std of realized plan returns: the planner picks the plans the model flatters' },
  },
  reward: {
    rank_correlation: { kind: 'min', warn: 0.5, fail: 0, rationale: 'Spearman of per-episode reward and reference returns: below 0 the agent is paid for doing worse by the reference' },
    hacking_share: { kind: 'max', warn: 0.05, fail: 0.15, rationale: 'share of episodes whose reward return rose while the reference fell: isolated cases are noise, a sustained share is a hack' },
    unpaid_share: { kind: 'max', warn: 0.1, fail: 0.25, rationale: 'share of the positive recorded reward earned on transitions where the reference pays nothing: a hack present from the first episode has no trend to see, but it is paid for nothing the reference values' },
  },
} as const satisfies Record<string, Record<string, Threshold>>;

/** Verdicts of convergence questions (critic, actor) use the trailing decisions holding this share of the run. */
export const FINAL_SHARE = 0.25;
/** Fewer judged samples than this give not_available rather than a verdict from noise. */
export const MIN_SAMPLES = 20;
/** Hacking episodes compare each episode with the mean of the previous this many episodes. */
export const HACKING_WINDOW = 10;
/** A return change counts when it exceeds this share of the previous window's mean |return| (or 1e-9 when that is 0). */
export const HACKING_TOLERANCE = 0.05;
/** Q(chosen) counts as maximal within this relative tolerance of max Q (float32 scores). */
export const Q_TIE_TOLERANCE = 1e-6;

/** The verdict of one figure against one rule; not_available for a null figure. */
export function judge(value: number | null, t: Threshold): Verdict {
  if (value === null || Number.isNaN(value)) return 'not_available';
  if (t.kind === 'min') return value < t.fail ? 'fail' : value < t.warn ? 'warn' : 'pass';
  return value > t.fail ? 'fail' : value > t.warn ? 'warn' : 'pass';
}

const ORDER: Record<Verdict, number> = { not_available: 0, pass: 1, warn: 2, fail: 3 };

/**
 * The worst of several verdicts; not_available only when nothing could be judged. A pass beside a
 * not_available comes out as pass: use it to combine checks (some runs cannot have every check),
 * never the figures of one check, where `checkVerdict` applies.
 */
export function worst(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (ORDER[b] > ORDER[a] ? b : a), 'not_available');
}

const STRICT: Record<Verdict, number> = { pass: 0, not_available: 1, warn: 2, fail: 3 };

/**
 * The verdict of one check from the verdicts of its figures: fail or warn when any figure says so;
 * otherwise pass only when every figure was judged and passed. A figure that could not be computed
 * makes the check not_available, never pass, and so does an empty list.
 */
export function checkVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return 'not_available';
  return verdicts.reduce<Verdict>((a, b) => (STRICT[b] > STRICT[a] ? b : a), 'pass');
}
