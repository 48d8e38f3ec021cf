import { InvalidInputError } from '../src/errors/flightrec-error.js';
import type { SqliteEventStore } from '../src/store/sqlite-event-store.js';

/**
 * Throws when no decision of the run lies in the inclusive episode range, naming the episodes the
 * run has: a replay over nothing would report 0 of 0 (or record an empty derived run) and look fine.
 */
export async function checkEpisodeRange(store: SqliteEventStore, runId: string, range: { from: number; to: number }): Promise<void> {
  const run = await store.getRun(runId);
  let first: number | null = null;
  let last: number | null = null;
  let after = -1;
  for (;;) {
    const page = await store.readPage(run.pk, { types: ['decision.started'] }, after, 5000);
    if (page.length === 0) break;
    for (const row of page) {
      if (row.episode === null) continue;
      if (row.episode >= range.from && row.episode <= range.to) return;
      first = first === null ? row.episode : Math.min(first, row.episode);
      last = last === null ? row.episode : Math.max(last, row.episode);
    }
    after = page[page.length - 1]!.seq;
  }
  const value = `${range.from}..${range.to}`;
  const has = first === null ? 'it has no decisions in any episode' : `its decisions are in episodes ${first}..${last}`;
  throw new InvalidInputError(`invalid --episodes ${value}: no decision of run ${runId} is in these episodes; ${has}`, { field: '--episodes', value });
}
