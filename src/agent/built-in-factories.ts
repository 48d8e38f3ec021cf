import type { RecordedEvent } from '../events/registry.js';
import type { AgentFactory } from './agent-factory.js';
import { factoryRecordedBeforeFactories } from './reference/recorded-before-factories.js';
import { REFERENCE_AGENT, referenceAgentFactory } from './reference/reference-factory.js';

/** Factories run.started can name by id, without a module path. */
export const BUILT_IN_FACTORIES: ReadonlyMap<string, AgentFactory> = new Map([[REFERENCE_AGENT, referenceAgentFactory]]);

/** The factory a run names, or for runs recorded before run.started named one, the built-in one recognised by its config. */
export function recordedFactory(started: RecordedEvent<'run.started'>): string | null {
  return started.payload.agent ?? factoryRecordedBeforeFactories(started);
}
