import type { SeriesReport } from './bucket-series.js';
import type { ComponentDeltasReport } from './component-deltas.js';
import type { DivergenceKind } from './decision-comparer.js';

/** Where the runs first differ: the first aligned (episode, step) whose input, a component's output or the choice differs. */
export interface FirstDivergence {
  readonly episode: number;
  readonly step: number;
  readonly decision_a: number;
  readonly decision_b: number;
  /** `input`: the decision saw a different observation (or rng / env state); `deliberation`: same input, different output or choice; `outcome`: same decision, different env.stepped. */
  readonly kind: DivergenceKind;
  readonly event_type: string;
  /** Which event of that type inside the decision (0 = first). */
  readonly occurrence: number;
  readonly field: string;
  readonly seq_a: number | null;
  readonly seq_b: number | null;
  readonly value_a: unknown;
  readonly value_b: unknown;
  readonly text_a: string;
  readonly text_b: string;
}

/** An aligned decision, located in both runs. */
export interface DecisionPlace {
  readonly episode: number;
  readonly step: number;
  readonly decision_a: number;
  readonly decision_b: number;
}

export interface FlippedDecision extends DecisionPlace {
  readonly action_a: unknown;
  readonly action_b: unknown;
}

export interface ComponentVersionDiff {
  /** The component's name (in run A when a swap renamed it). */
  readonly component: string;
  /** Its name in run B, when a swap put a component of the same role under another name there. */
  readonly component_b?: string;
  /** Its role in the run.started components (null when neither run names it there). */
  readonly role?: string | null;
  /** Aligned decisions where decision.started names different versions of the component. */
  readonly differing: number;
  readonly first: (DecisionPlace & { readonly a: string | null; readonly b: string | null }) | null;
}

export interface EpisodeReturnDiff {
  readonly episode: number;
  readonly return_a: number | string;
  readonly return_b: number | string;
  readonly length_a: number;
  readonly length_b: number;
}

/** Everything `flightrec diff` found; JSON-ready except non-finite numbers (see diffReportJson). */
export interface DiffReport {
  readonly run_a: string;
  readonly run_b: string;
  /** source_run of each run's run.started (set for derived runs such as replays). */
  readonly source_run_a: string | null;
  readonly source_run_b: string | null;
  /** True when nothing differs: every decision aligned, no payload, version or episode difference. */
  readonly identical: boolean;
  readonly decisions: { readonly a: number; readonly b: number };
  /** Decisions at the same (episode, step) in both runs with the same observation. */
  readonly aligned: number;
  readonly unaligned: {
    readonly only_in_a: number;
    readonly only_in_b: number;
    /** Same (episode, step), different observation: counted here, not aligned. */
    readonly observation_differs: number;
  };
  /** Aligned decisions where any event differs (field or count); versions aside. */
  readonly differing_decisions: number;
  /** Per event type: aligned decisions in which an event of that type differs. */
  readonly differing_by_type: Readonly<Record<string, number>>;
  readonly first_divergence: FirstDivergence | null;
  /** Where each kind of unaligned decision first occurs, as (episode, step). */
  readonly first_unaligned: { readonly only_in_a: string | null; readonly only_in_b: string | null; readonly observation_differs: string | null };
  readonly flips: { readonly count: number; readonly share: number | null; readonly first: readonly FlippedDecision[] };
  readonly deltas: ComponentDeltasReport;
  readonly versions: readonly ComponentVersionDiff[];
  readonly episodes: {
    readonly a: number;
    readonly b: number;
    /** Episodes that ended in both runs. */
    readonly compared: number;
    /** Of those, episodes whose episode.ended differs in any field. */
    readonly differing: number;
    readonly only_in_a: number;
    readonly only_in_b: number;
    readonly mean_abs_delta_return: number | null;
    readonly max_abs_delta_return: number | null;
    /** The first few differing episodes. */
    readonly first_differing: readonly EpisodeReturnDiff[];
  };
  readonly stats: {
    /** Pages read and payload bytes streamed per run. */
    readonly pages_a: number;
    readonly pages_b: number;
    readonly payload_bytes_a: number;
    readonly payload_bytes_b: number;
    readonly events_a: number;
    readonly events_b: number;
    /** Decision events outside any open decision (not compared). */
    readonly orphan_events_a: number;
    readonly orphan_events_b: number;
    /** Decisions that never reached env.stepped (compared as they are). */
    readonly unfinished_decisions_a: number;
    readonly unfinished_decisions_b: number;
    readonly max_open_decisions: number;
    readonly seconds: number;
  };
  /** Chart series over the merge-join (per-step deltas and flips) and over episodes, in bounded buckets. */
  readonly series: { readonly decisions: SeriesReport; readonly episodes: SeriesReport };
}
