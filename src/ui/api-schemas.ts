import { z } from 'zod';
import type { ChartSpec } from '../charts/chart-spec.js';

/**
 * The JSON the viewer's API answers with, as schemas: the one description of it. The front end
 * takes its types from here (`import type`, so no zod reaches the browser) and the API tests parse
 * every route's answer with these, so the server and the page cannot drift apart unnoticed. The
 * server builds its answers from the library's own types through its JSON view (tensors as
 * arrays; NaN and ±Infinity as strings): what is described here is that view, not the library's
 * types. Objects are not strict: the server may send more than the page reads.
 */

/** A number of the JSON view: NaN and ±Infinity arrive as their names. */
export const Num = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
export type Num = z.infer<typeof Num>;

const Verdicts = z.record(z.string(), z.string()).nullable();

export const RunRow = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  events: z.number(),
  env: z.string().nullable(),
  backend: z.string().nullable(),
  created: z.string(),
  source_run: z.string().nullable(),
  decisions: z.number(),
  verdicts: Verdicts,
});
export type RunRow = z.infer<typeof RunRow>;

export const RunSummary = z.object({
  id: z.string(),
  agent: z.string().nullable(),
  episodes: z.number(),
  final_return: Num.nullable(),
  final_performance: Num.nullable(),
  verdicts: Verdicts,
});
export type RunSummary = z.infer<typeof RunSummary>;

export const Drawing = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('grid'), layout: z.array(z.string()) }),
  z.object({ kind: z.literal('cart-pole'), x: z.number(), theta: z.number(), x_limit: z.number() }),
  z.object({ kind: z.literal('pendulum'), cos: z.number(), sin: z.number() }),
  z.object({ kind: z.literal('vector'), names: z.array(z.string()).nullable() }),
]);
export type Drawing = z.infer<typeof Drawing>;

/** GET /api/runs/:id — the run's row and summary (`verdicts` may be absent here). */
export const RunDetail = RunRow.omit({ verdicts: true }).extend(RunSummary.omit({ verdicts: true }).shape).extend({
  components: z.array(z.object({ name: z.string(), role: z.string(), kind: z.string() })),
  overrides: z.unknown(),
  derived_runs: z.array(z.object({ id: z.string(), name: z.string().nullable(), created: z.string() })),
  drawing: Drawing,
});
export type RunDetail = z.infer<typeof RunDetail>;

export const EpisodeReturn = z.object({ episode: z.number(), return: Num, performance_return: Num.nullable(), length: z.number(), reason: z.string() });
export type EpisodeReturn = z.infer<typeof EpisodeReturn>;

/** `count` consecutive decisions of one episode: ids decision, decision + 1, …, steps step, step + 1, … */
export const TimelineSegment = z.object({ decision: z.number().int(), episode: z.number().int().nullable(), step: z.number().int().nullable(), count: z.number().int().positive() });
export type TimelineSegment = z.infer<typeof TimelineSegment>;

/** A component's version changed: its `update`-th change, first in effect after `decision`. */
export const VersionChange = z.object({ decision: z.number().int(), update: z.number().int().positive(), version: z.string().nullable() });
export type VersionChange = z.infer<typeof VersionChange>;

/**
 * One line of GET /api/runs/:id/overview (NDJSON): what a fold of the run added. The page keeps
 * episodes[0, episodes_from) and timeline segments[0, segments_from), then appends these (the
 * last segment may have grown, so it is sent again); version changes are appended per component.
 * The first line is everything known before this request's fold; `done` on the last.
 */
export const OverviewDelta = z.object({
  run: z.string(),
  decisions: z.number().int(),
  /** Every event with seq ≤ this is in. */
  folded_to: z.number().int(),
  episodes_from: z.number().int(),
  episodes: z.array(EpisodeReturn),
  segments_from: z.number().int(),
  segments: z.array(TimelineSegment),
  versions: z.record(z.string(), z.array(VersionChange)),
  done: z.boolean(),
});
export type OverviewDelta = z.infer<typeof OverviewDelta>;

export const Tensor = z.object({ dtype: z.string(), shape: z.array(z.number()), data: z.array(Num) });
export type Tensor = z.infer<typeof Tensor>;

export const SearchNode = z.object({
  depth: z.number(),
  row: z.number(),
  parent_row: z.number().nullable(),
  actions: z.array(z.number()),
  reward: Num.nullable(),
  leaf_value: Num.nullable(),
  score: Num,
  expanded: z.boolean(),
  chosen: z.boolean(),
  imagined: z.string().nullable(),
});
export type SearchNode = z.infer<typeof SearchNode>;

/** One MPPI/CEM iteration (`show --json` iterations): the distribution before and after the refit, and the elites. */
export const PlannerIteration = z.object({
  iteration: z.number(),
  method: z.enum(['mppi', 'cem']),
  samples: z.number(),
  from_actor: z.number(),
  mean_before: z.array(Num),
  mean_after: z.array(Num),
  std_before: z.array(Num),
  std_after: z.array(Num),
  elites: z.number(),
  plan_mean_before: z.array(Num),
  plan_mean_after: z.array(Num),
  plan_std_after: z.array(Num),
  elite_list: z.array(z.object({ row: z.number(), score: Num, weight: Num, from_actor: z.boolean() })),
  best_elite_score: Num,
  mean_elite_score: Num,
  samples_recorded: z.boolean(),
  chosen: z.object({ elite: z.number(), action: z.array(Num), score: Num.nullable() }).nullable(),
});
export type PlannerIteration = z.infer<typeof PlannerIteration>;

/** One node of a recorded MCTS tree (`show --json` mcts.nodes). */
export const MctsNode = z.object({
  node: z.number(),
  /** −1 at the root. */
  parent: z.number(),
  depth: z.number(),
  /** Action from the parent, −1 at the root. */
  action: z.number(),
  action_name: z.string().nullable(),
  visits: z.number(),
  /** Q of the edge from the parent: r̂ + discount · value (the root: its value). */
  q: Num,
  value: Num,
  raw_value: Num,
  prior: Num,
  reward: Num,
  /** On the path the search prefers (the executed action, then the most visited children). */
  chosen: z.boolean(),
});
export type MctsNode = z.infer<typeof MctsNode>;

/** A Monte Carlo tree search (`show --json` mcts): the last planner.searched of the decision. */
export const MctsTree = z.object({
  planner: z.string().nullable(),
  version: z.string().nullable(),
  simulations: z.number(),
  root_noise: z.array(Num).nullable(),
  chosen_action: z.number(),
  /** ε-exploration replaced the most visited action. */
  explored: z.boolean(),
  chosen_path: z.array(z.number()),
  nodes: z.array(MctsNode),
});
export type MctsTree = z.infer<typeof MctsTree>;

/** An action as the JSON view gives it: an id, a row of numbers, or a tensor. */
const Action = z.union([z.number(), z.array(Num), Tensor]);
const Observation = z.object({ tensor: Tensor, description: z.string().nullable() });

/** GET /api/runs/:id/decisions/:d — `flightrec show --json` with the page's navigation. */
export const Decision = z.object({
  run: z.string(),
  source_run: z.string().nullable(),
  env: z.string().nullable(),
  action_names: z.array(z.string()).nullable(),
  decision: z.number(),
  episode: z.number().nullable(),
  step: z.number().nullable(),
  observation: Observation,
  rng_state: z.string(),
  versions: z.record(z.string(), z.string().nullable()),
  search: z
    .object({
      planner: z.string().nullable(),
      version: z.string().nullable(),
      searches: z.number(),
      levels: z.array(z.object({ depth: z.number(), nodes: z.number(), expanded: z.number() })),
      nodes: z.array(SearchNode),
    })
    .nullable(),
  /** A sampling planner's iterations (MPPI, CEM), null when it recorded none. */
  iterations: z.array(PlannerIteration).nullable(),
  /** A Monte Carlo tree search (planner.searched), null when it recorded none. */
  mcts: MctsTree.nullable(),
  calls: z.array(
    z.object({
      seq: z.number(),
      type: z.string(),
      component: z.string().nullable(),
      version: z.string().nullable(),
      batch: z.array(z.number()),
      outputs: z.record(z.string(), Tensor),
      root_row: z.number().nullable(),
      label: z.string().nullable(),
    }),
  ),
  root_value: z.object({ value: Num }).nullable(),
  actor: z
    .object({
      component: z.string().nullable(),
      probs: z.array(z.object({ index: z.number(), name: z.string().nullable(), p: Num })).nullable(),
      mean: z.array(Num).nullable(),
      std: z.array(Num).nullable(),
    })
    .nullable(),
  choice: z
    .object({
      action: Action,
      action_name: z.string().nullable(),
      chosen_index: z.number(),
      value: Num.nullable(),
      chooser: z.string(),
      component: z.string().nullable(),
      version: z.string().nullable(),
      candidates: z.array(z.object({ index: z.number(), candidate: Action, name: z.string().nullable(), score: Num })),
      argmax_index: z.number().nullable(),
      kind: z.enum(['greedy', 'exploration']).nullable(),
    })
    .nullable(),
  outcome: z
    .object({ action: Action, action_name: z.string().nullable(), reward: Num, terminated: z.boolean(), truncated: z.boolean(), performance: Num.nullable(), observation: Observation })
    .nullable(),
  nav: z.object({ prev: z.number().nullable(), next: z.number().nullable() }),
  related: z.array(z.object({ run: z.string(), relation: z.enum(['source', 'derived']), decision: z.number().nullable() })),
  drawing: Drawing,
});
export type Decision = z.infer<typeof Decision>;

export const Job = z.object({
  id: z.string(),
  kind: z.enum(['replay', 'blame']),
  run: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  done: z.number(),
  total: z.number().nullable(),
  result: z.unknown(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  seconds: z.number().nullable(),
});
export type Job = z.infer<typeof Job>;

export const ReplayResult = z.object({
  source_run: z.string(),
  derived_run: z.string(),
  decisions: z.number(),
  flipped: z.number(),
  flip_rate: z.number(),
  mean_abs_delta_value: Num.nullable(),
  most_changed: z.array(
    z.object({ decision: z.number(), episode: z.number().nullable(), step: z.number().nullable(), action_before: z.number(), action_after: z.number(), value_before: Num.nullable(), value_after: Num.nullable() }),
  ),
});
export type ReplayResult = z.infer<typeof ReplayResult>;

const BlameTrial = z.object({ swapped: z.array(z.string()), action: z.number(), value: Num.nullable(), flipped: z.boolean() });
export const BlameResult = z.object({
  decision: z.number(),
  recorded_action: z.number(),
  baseline_action: z.number(),
  against_action: z.number(),
  differs: z.boolean(),
  singles: z.array(BlameTrial),
  pairs: z.array(BlameTrial),
  culprits: z.array(z.array(z.string())),
});
export type BlameResult = z.infer<typeof BlameResult>;

export const AuditOutcome = z.object({
  verdict: z.string(),
  reasons: z.array(z.object({ verdict: z.string(), message: z.string() })),
  notes: z.array(z.string()),
  decisions: z.array(z.object({ decision: z.number(), episode: z.number().nullable(), step: z.number().nullable(), why: z.string() })),
});
export type AuditOutcome = z.infer<typeof AuditOutcome>;

/** A chart as data (charts/chart-spec.ts, the same type the HTML reports draw from). */
const Chart = z.custom<ChartSpec>((v) => typeof v === 'object' && v !== null && Array.isArray((v as ChartSpec).x) && Array.isArray((v as ChartSpec).series), 'a chart spec (x and series)');

export const AuditResponse = z.object({
  report: z.object({ run: z.string(), episodes: z.number(), decisions: z.number(), checks: z.record(z.string(), AuditOutcome.nullable()) }),
  /** By the check's JSON key. */
  charts: z.record(z.string(), z.array(Chart)),
  /** What was audited, in one line (a derived run says what it is). */
  audited: z.string(),
  /** By the check's JSON key: the figures its verdict judged, the whole run's in parentheses. */
  figures: z.record(z.string(), z.array(z.string())),
});
export type AuditResponse = z.infer<typeof AuditResponse>;

export const DiffResponse = z.object({
  report: z.object({
    run_a: z.string(),
    run_b: z.string(),
    identical: z.boolean(),
    aligned: z.number(),
    flips: z.number(),
    flip_share: Num.nullable(),
    first_flips: z.array(z.object({ episode: z.number(), step: z.number(), decision_a: z.number(), decision_b: z.number(), action_a: z.unknown(), action_b: z.unknown() })),
    first_divergence: z
      .object({ episode: z.number(), step: z.number(), decision_a: z.number(), decision_b: z.number(), kind: z.string(), event_type: z.string(), field: z.string(), text_a: z.string(), text_b: z.string() })
      .nullable(),
    differing_decisions: z.number(),
    unaligned: z.number(),
  }),
  charts: z.array(Chart),
});
export type DiffResponse = z.infer<typeof DiffResponse>;

/** GET /api/runs/:id/head: polled by a page showing a run being recorded. */
export const RunHead = z.object({ id: z.string(), status: z.string(), events: z.number() });
export type RunHead = z.infer<typeof RunHead>;
