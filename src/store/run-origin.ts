import { z } from 'zod';
import { readEventsOfType } from './event-reader.js';
import type { EventStore, RunRow } from './event-store.js';

/** How a run came to be: recorded from an agent acting (training), derived by a replay, or brought in by `import` or `copy`. */
export const RunKind = z.enum(['training', 'open-loop', 'closed-loop', 'imported']);
export type RunKind = z.infer<typeof RunKind>;

/** A run's kind and, for a derived run, what its replay changed, in the words of the command line. */
export interface RunOrigin {
  kind: RunKind;
  /**
   * e.g. `reward=module:examples/goal-reward.mjs`, `planner.horizon=1`, `episodes 10..20`, `from decision 40`;
   * for an imported run first `imported from <file or store>` and, when it was derived, `was open-loop`.
   */
  overrides: string[];
}

/**
 * The origin of a run from its run.started `overrides` (null for a recorded run; a replay writes
 * its mode, swaps, settings and range there). Unknown keys are listed as `key=value`, so a newer
 * replay option still shows.
 */
export function runOrigin(overrides: unknown): RunOrigin {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) return { kind: 'training', overrides: [] };
  const o = overrides as Record<string, unknown>;
  const kind = RunKind.safeParse(o.mode);
  const words: string[] = [];
  for (const [key, value] of Object.entries(o)) {
    // `writer` names the process recording a derived run (for liveness), not something it changed.
    if (key === 'mode' || key === 'writer' || value === null || value === undefined) continue;
    if (key === 'swap' && typeof value === 'object') words.push(...Object.values(value as Record<string, unknown>).map(String));
    else if (key === 'set' && typeof value === 'object') words.push(...Object.entries(value as Record<string, unknown>).map(([k, v]) => `planner.${k}=${String(v)}`));
    else if (key === 'episodes' && typeof value === 'object' && 'from' in value && 'to' in value) words.push(`episodes ${String(value.from)}..${String(value.to)}`);
    else if (key === 'from') words.push(`from decision ${String(value)}`);
    else words.push(`${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  return { kind: kind.success ? kind.data : 'training', overrides: words };
}

/**
 * The origin of a run as recorded (run.started overrides) and, for a run imported from an NDJSON
 * file or copied from another store, where it came from: kind `imported`, as the runs table says
 * (the imported events and their chain are the original run's, unchanged).
 */
export function storedRunOrigin(overrides: unknown, importedFrom: string | null): RunOrigin {
  const recorded = runOrigin(overrides);
  if (importedFrom === null) return recorded;
  return { kind: 'imported', overrides: [`imported from ${importedFrom}`, ...(recorded.kind === 'training' ? [] : [`was ${recorded.kind}`]), ...recorded.overrides] };
}

/** The origin of a stored run (one read: its run.started); a run with no run.started yet counts as training. */
export async function readRunOrigin(store: EventStore, run: string | Pick<RunRow, 'id' | 'imported_from'>): Promise<RunOrigin> {
  const row = typeof run === 'string' ? await store.getRun(run) : run;
  for await (const e of readEventsOfType(store, row.id, 'run.started', { limit: 1 })) return storedRunOrigin(e.payload.overrides, row.imported_from);
  return storedRunOrigin(null, row.imported_from);
}
