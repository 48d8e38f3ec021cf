import type { RecordedEvent } from '../../events/registry.js';
import { REFERENCE_AGENT, ReferenceRunConfig } from './reference-factory.js';

/**
 * The factory of a run recorded before run.started named one: only flightrec's reference agent
 * was replayable then, and its runs are recognised by their config. Null for anything else.
 */
export function factoryRecordedBeforeFactories(started: RecordedEvent<'run.started'>): string | null {
  if (started.payload.agent !== undefined) return null;
  return ReferenceRunConfig.safeParse(started.payload.config).success && started.payload.seed !== null ? REFERENCE_AGENT : null;
}
