import type { RecordedEvent } from './registry.js';

/**
 * The discount a run recorded: run.started `discount`, or for runs recorded before that field
 * existed, the reference agent's `config.agent.gamma`. Null when the run recorded neither.
 */
export function recordedDiscount(started: RecordedEvent<'run.started'>): number | null {
  const d = started.payload.discount;
  if (typeof d === 'number') return d;
  const config = started.payload.config as { agent?: { gamma?: unknown } } | null;
  const legacy = config !== null && typeof config === 'object' && !Array.isArray(config) ? config.agent?.gamma : undefined;
  return typeof legacy === 'number' ? legacy : null;
}
