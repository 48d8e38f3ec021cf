/**
 * The JSON the viewer's API answers with, as the browser reads it. The server builds these from
 * the library's own types through its JSON view (tensors as arrays; NaN and ±Infinity as strings),
 * which is why the browser has its own description of the fields it reads rather than the library's.
 */
export type Num = number | string;

export interface RunRow {
  id: string;
  name: string | null;
  status: string;
  events: number;
  env: string | null;
  backend: string | null;
  created: string;
  source_run: string | null;
  decisions: number;
  verdicts: Record<string, string> | null;
}

export interface RunSummary {
  id: string;
  agent: string | null;
  episodes: number;
  final_return: Num | null;
  final_performance: Num | null;
  verdicts: Record<string, string> | null;
}

export type Drawing =
  | { kind: 'grid'; layout: string[] }
  | { kind: 'cart-pole'; x: number; theta: number; x_limit: number }
  | { kind: 'pendulum'; cos: number; sin: number }
  | { kind: 'vector'; names: string[] | null };

export interface RunDetail extends RunRow, RunSummary {
  components: { name: string; role: string; kind: string }[];
  overrides: unknown;
  derived_runs: { id: string; name: string | null; created: string }[];
  drawing: Drawing;
}

export interface EpisodeReturn {
  episode: number;
  return: Num;
  performance_return: Num | null;
  length: number;
  reason: string;
}

export interface DecisionIndex {
  seq: number[];
  decision: number[];
  episode: (number | null)[];
  step: (number | null)[];
}

export interface Tensor {
  dtype: string;
  shape: number[];
  data: Num[];
}

export interface SearchNode {
  depth: number;
  row: number;
  parent_row: number | null;
  actions: number[];
  reward: Num | null;
  leaf_value: Num | null;
  score: Num;
  expanded: boolean;
  chosen: boolean;
  imagined: string | null;
}

/** One MPPI/CEM iteration (`show --json` iterations): the distribution before and after the refit, and the elites. */
export interface PlannerIteration {
  iteration: number;
  method: 'mppi' | 'cem';
  samples: number;
  from_actor: number;
  mean_before: Num[];
  mean_after: Num[];
  std_before: Num[];
  std_after: Num[];
  elites: number;
  plan_mean_before: Num[];
  plan_mean_after: Num[];
  plan_std_after: Num[];
  elite_list: { row: number; score: Num; weight: Num; from_actor: boolean }[];
  best_elite_score: Num;
  mean_elite_score: Num;
  samples_recorded: boolean;
  chosen: { elite: number; action: Num[]; score: Num | null } | null;
}

/** One node of a recorded MCTS tree (`show --json` mcts.nodes). */
export interface MctsNode {
  node: number;
  /** −1 at the root. */
  parent: number;
  depth: number;
  /** Action from the parent, −1 at the root. */
  action: number;
  action_name: string | null;
  visits: number;
  /** Q of the edge from the parent: r̂ + discount · value (the root: its value). */
  q: Num;
  value: Num;
  raw_value: Num;
  prior: Num;
  reward: Num;
  /** On the path the search prefers (the executed action, then the most visited children). */
  chosen: boolean;
}

/** A Monte Carlo tree search (`show --json` mcts): the last planner.searched of the decision. */
export interface MctsTree {
  planner: string | null;
  version: string | null;
  simulations: number;
  root_noise: Num[] | null;
  chosen_action: number;
  /** ε-exploration replaced the most visited action. */
  explored: boolean;
  chosen_path: number[];
  nodes: MctsNode[];
}

export interface Decision {
  run: string;
  source_run: string | null;
  env: string | null;
  action_names: string[] | null;
  decision: number;
  episode: number | null;
  step: number | null;
  observation: { tensor: Tensor; description: string | null };
  rng_state: string;
  versions: Record<string, string | null>;
  search: { planner: string | null; version: string | null; searches: number; levels: { depth: number; nodes: number; expanded: number }[]; nodes: SearchNode[] } | null;
  /** A sampling planner's iterations (MPPI, CEM), null when it recorded none. */
  iterations: PlannerIteration[] | null;
  /** A Monte Carlo tree search (planner.searched), null when it recorded none. */
  mcts: MctsTree | null;
  calls: { seq: number; type: string; component: string | null; version: string | null; batch: number[]; outputs: Record<string, Tensor>; root_row: number | null; label: string | null }[];
  root_value: { value: Num } | null;
  actor: { component: string | null; probs: { index: number; name: string | null; p: Num }[] | null; mean: Num[] | null; std: Num[] | null } | null;
  choice: {
    action: number | Num[] | Tensor;
    action_name: string | null;
    chosen_index: number;
    value: Num | null;
    chooser: string;
    component: string | null;
    version: string | null;
    candidates: { index: number; candidate: number | Num[] | Tensor; name: string | null; score: Num }[];
    argmax_index: number | null;
    kind: 'greedy' | 'exploration' | null;
  } | null;
  outcome: { action: number | Num[] | Tensor; action_name: string | null; reward: Num; terminated: boolean; truncated: boolean; performance: Num | null; observation: { tensor: Tensor; description: string | null } } | null;
  nav: { prev: number | null; next: number | null };
  related: { run: string; relation: 'source' | 'derived'; decision: number | null }[];
  drawing: Drawing;
}

export interface Job {
  id: string;
  kind: 'replay' | 'blame';
  run: string;
  status: 'running' | 'done' | 'failed';
  done: number;
  total: number | null;
  result: unknown;
  error: { code: string; message: string } | null;
  seconds: number | null;
}

export interface ReplayResult {
  source_run: string;
  derived_run: string;
  decisions: number;
  flipped: number;
  flip_rate: number;
  mean_abs_delta_value: Num | null;
  most_changed: { decision: number; episode: number | null; step: number | null; action_before: number; action_after: number; value_before: Num | null; value_after: Num | null }[];
}

export interface BlameResult {
  decision: number;
  recorded_action: number;
  baseline_action: number;
  against_action: number;
  differs: boolean;
  singles: { swapped: string[]; action: number; value: Num | null; flipped: boolean }[];
  pairs: { swapped: string[]; action: number; value: Num | null; flipped: boolean }[];
  culprits: string[][];
}

export interface AuditOutcome {
  verdict: string;
  reasons: { verdict: string; message: string }[];
  notes: string[];
  decisions: { decision: number; episode: number | null; step: number | null; why: string }[];
}

export interface AuditResponse {
  report: { run: string; episodes: number; decisions: number; checks: Record<string, AuditOutcome | null> };
  /** By the check's JSON key. */
  charts: Record<string, import('../../charts/chart-spec.js').ChartSpec[]>;
  /** What was audited, in one line (a derived run says what it is). */
  audited: string;
  /** By the check's JSON key: the figures its verdict judged, the whole run's in parentheses. */
  figures: Record<string, string[]>;
}

export interface DiffResponse {
  report: {
    run_a: string;
    run_b: string;
    identical: boolean;
    aligned: number;
    flips: number;
    flip_share: Num | null;
    first_flips: { episode: number; step: number; decision_a: number; decision_b: number; action_a: unknown; action_b: unknown }[];
    first_divergence: { episode: number; step: number; decision_a: number; decision_b: number; kind: string; event_type: string; field: string; text_a: string; text_b: string } | null;
    differing_decisions: number;
    unaligned: number;
  };
  charts: import('../../charts/chart-spec.js').ChartSpec[];
}
