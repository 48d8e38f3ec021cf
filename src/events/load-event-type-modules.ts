import { InvalidInputError } from '../errors/flightrec-error.js';
import { loadUserModule } from '../modules/load-user-module.js';
import type { EventTypeDefinition } from './event-type.js';
import { registerEventTypes } from './registry.js';

/** The environment variable that names event-type modules for every command, as `--events` does. */
export const EVENTS_ENV = 'FLIGHTREC_EVENTS';

/**
 * Imports modules that define event families of the user's own and registers them. Each module
 * exports `eventTypes`, an array of definitions made with `defineEventType`. Specs are paths,
 * comma-separated where one string names several; relative ones resolve against `cwd`.
 */
export async function loadEventTypeModules(specs: readonly string[], cwd: string, field = '--events'): Promise<EventTypeDefinition[]> {
  const files = specs.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const loaded: EventTypeDefinition[] = [];
  for (const file of files) {
    const mod = await loadUserModule(file, cwd, field);
    const defs = mod.eventTypes;
    if (!Array.isArray(defs)) {
      throw new InvalidInputError(`${field} ${file}: the module exports no eventTypes array (export const eventTypes = [defineEventType({ … })])`, { field, value: file, received: typeof defs });
    }
    registerEventTypes(defs as EventTypeDefinition[]);
    loaded.push(...(defs as EventTypeDefinition[]));
  }
  return loaded;
}
