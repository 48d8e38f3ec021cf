import { InvalidInputError } from '../src/errors/flightrec-error.js';
import { readDecisionIndex } from '../src/store/decision-index.js';
import type { EventStore } from '../src/store/event-store.js';

/**
 * How many of the run's decisions a replay over `range` (inclusive episodes; all when omitted)
 * goes through: the total a progress bar counts to. Throws when a range holds none, naming the
 * episodes the run has: a replay over nothing would report 0 of 0 (or record an empty derived
 * run) and look fine.
 */
export async function decisionsInRange(store: EventStore, runId: string, range?: { from: number; to: number }): Promise<number> {
  const index = await readDecisionIndex(store, (await store.getRun(runId)).pk);
  if (range === undefined) return index.decision.length;
  const episodes = index.episode.filter((e): e is number => e !== null);
  const n = episodes.filter((e) => e >= range.from && e <= range.to).length;
  if (n > 0) return n;
  const value = `${range.from}..${range.to}`;
  const has = episodes.length === 0 ? 'it has no decisions in any episode' : `its decisions are in episodes ${Math.min(...episodes)}..${Math.max(...episodes)}`;
  throw new InvalidInputError(`invalid --episodes ${value}: no decision of run ${runId} is in these episodes; ${has}`, { field: '--episodes', value });
}
