import type { RawEvent } from '../store/raw-event.js';
import { compareKeys, formatKey, type DecisionUnit, type DiffUnit } from './diff-unit.js';
import { RunOrderError, UnlocatedDecisionError } from './diff-errors.js';

/** Counters a unit reader fills while it streams, for the report. */
export interface UnitReadStats {
  /** Events read. */
  events: number;
  /** Decision events whose decision was not open (no decision.started before them, or already closed): not compared. */
  orphanEvents: number;
  /** Decisions closed by the open-window limit rather than by their env.stepped. */
  unfinishedDecisions: number;
  /** Most decisions held open at once (memory is bounded by this, not by the run's length). */
  maxOpen: number;
}

export function emptyUnitReadStats(): UnitReadStats {
  return { events: 0, orphanEvents: 0, unfinishedDecisions: 0, maxOpen: 0 };
}

/** Decisions held open at most; an older one still open when a newer one starts beyond this is closed as it is. */
export const MAX_OPEN_DECISIONS = 64;

interface Pending {
  unit: DiffUnit;
  done: boolean;
}

/**
 * Groups a run's raw events (in seq order) into decisions and episode ends, yielded in the order
 * they started, and checks that this order is strictly increasing in (episode, step): a run that
 * is not (two decisions at one step, steps going backwards) throws RunOrderError rather than
 * being misaligned. A decision is complete at its env.stepped; decisions without one (a replay
 * that re-decides without stepping, a run that ended mid-decision) are completed when
 * MAX_OPEN_DECISIONS newer ones have started, or at the end of the stream.
 */
export async function* readDiffUnits(pages: AsyncIterable<RawEvent[]>, run: string, stats: UnitReadStats = emptyUnitReadStats()): AsyncGenerator<DiffUnit> {
  const queue: Pending[] = [];
  let head = 0;
  const open = new Map<number, Pending>();
  let last: { episode: number; step: number } | null = null;

  const checked = (p: Pending): DiffUnit => {
    const u = p.unit;
    if (last !== null && compareKeys(last, u) >= 0) throw new RunOrderError(run, formatKey(last), formatKey(u), u.seq);
    last = u;
    return u;
  };

  for await (const page of pages) {
    for (const e of page) {
      stats.events++;
      if (e.type === 'episode.ended') {
        if (e.episode === null) {
          stats.orphanEvents++;
          continue;
        }
        queue.push({ unit: { kind: 'episode', episode: e.episode, step: Infinity, seq: e.seq, event: e }, done: true });
      } else if (e.type === 'decision.started') {
        if (e.decision === null) {
          stats.orphanEvents++;
          continue;
        }
        if (e.episode === null || e.step === null) throw new UnlocatedDecisionError(run, e.decision, e.seq);
        const p: Pending = { unit: { kind: 'decision', episode: e.episode, step: e.step, decision: e.decision, seq: e.seq, events: [e] }, done: false };
        const previous = open.get(e.decision);
        if (previous !== undefined) previous.done = true;
        open.set(e.decision, p);
        queue.push(p);
        if (open.size > stats.maxOpen) stats.maxOpen = open.size;
        if (open.size > MAX_OPEN_DECISIONS) {
          for (let i = head; i < queue.length; i++) {
            const q = queue[i]!;
            if (!q.done && q.unit.kind === 'decision') {
              q.done = true;
              open.delete(q.unit.decision);
              stats.unfinishedDecisions++;
              break;
            }
          }
        }
      } else {
        const p = e.decision === null ? undefined : open.get(e.decision);
        if (p === undefined) {
          stats.orphanEvents++;
          continue;
        }
        (p.unit as DecisionUnit).events.push(e);
        if (e.type === 'env.stepped') {
          p.done = true;
          open.delete(e.decision!);
        }
      }
      while (head < queue.length && queue[head]!.done) yield checked(queue[head++]!);
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
    }
  }
  for (let i = head; i < queue.length; i++) {
    const q = queue[i]!;
    if (!q.done) stats.unfinishedDecisions++;
    yield checked(q);
  }
}
