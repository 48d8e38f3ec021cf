import type { RawEvent } from '../store/raw-event.js';

/** One decision of a run: its decision.started first, then its other events in seq order. */
export interface DecisionUnit {
  readonly kind: 'decision';
  readonly episode: number;
  readonly step: number;
  readonly decision: number;
  /** seq of decision.started. */
  readonly seq: number;
  readonly events: RawEvent[];
}

/** The end of an episode (its episode.ended), ordered after every step of the episode. */
export interface EpisodeEndUnit {
  readonly kind: 'episode';
  readonly episode: number;
  /** Infinity: an episode ends after all of its steps. */
  readonly step: number;
  readonly seq: number;
  readonly event: RawEvent;
}

/** What the diff merge-joins: decisions and episode ends, in (episode, step) order. */
export type DiffUnit = DecisionUnit | EpisodeEndUnit;

/** Order of alignment keys: by episode, then step (an episode end after its steps). */
export function compareKeys(a: { episode: number; step: number }, b: { episode: number; step: number }): number {
  return a.episode !== b.episode ? a.episode - b.episode : a.step === b.step ? 0 : a.step < b.step ? -1 : 1;
}

/** `(episode, step)`, or `(episode, end)` for an episode end. */
export function formatKey(k: { episode: number; step: number }): string {
  return `(${k.episode}, ${k.step === Infinity ? 'end' : k.step})`;
}
