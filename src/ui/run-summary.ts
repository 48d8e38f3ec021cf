import { runEventsOfType } from '../store/run-events-of-type.js';
import type { RunRow, EventStore } from '../store/event-store.js';

/** What the runs table shows of a run beyond its row: filled in after the rows, run by run. */
export interface RunSummary {
  id: string;
  /** Who built the agent: the run's name and its components' kinds (run.started). */
  agent: string | null;
  components: { name: string; role: string; kind: string }[];
  overrides: unknown;
  episodes: number;
  /** Mean over the last tenth of the episodes (at least one), as `flightrec demo` reports it. */
  final_return: number | null;
  final_performance: number | null;
}

/**
 * The summary of one run: its run.started and its episode ends, read through the (run, type)
 * index (the runs table asks for 1,000 of these at once; a paged reader per run cost about 2 ms
 * each on SQLite).
 */
export async function runSummary(store: EventStore, run: RunRow): Promise<RunSummary> {
  const started = (await runEventsOfType(store, run, 'run.started', { first: true }))[0]?.payload ?? null;
  const episodes = (await runEventsOfType(store, run, 'episode.ended')).map((e, i) => ({ episode: e.episode ?? i, return: e.payload.return, performance_return: e.payload.performance_return, length: e.payload.length, reason: e.payload.reason }));
  const tail = episodes.slice(-Math.max(1, Math.ceil(episodes.length / 10)));
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  const perf = tail.map((e) => e.performance_return).filter((x): x is number => x !== null);
  const kinds = [...new Set((started?.components ?? []).map((c) => c.kind))];
  return {
    id: run.id,
    agent: started === null ? null : started.name ?? (kinds.join(', ') || null),
    components: (started?.components ?? []).map((c) => ({ name: c.name, role: c.role, kind: c.kind })),
    overrides: started?.overrides ?? null,
    episodes: episodes.length,
    final_return: episodes.length === 0 ? null : mean(tail.map((e) => e.return)),
    final_performance: perf.length === 0 ? null : mean(perf),
  };
}
