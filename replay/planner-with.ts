import type { Planner } from '../src/agent/components.js';
import { isConfigurable, type PlannerSettingValue } from '../src/agent/planner-settings.js';
import { FlightrecError, InvalidInputError } from '../src/errors/flightrec-error.js';

/** The recorded planner, or one with some settings changed through its ConfigurablePlanner contract. */
export function plannerWith(base: Planner, settings: Record<string, PlannerSettingValue>): Planner {
  const keys = Object.keys(settings);
  if (keys.length === 0) return base;
  const field = `planner.${keys.join(',')}`;
  if (!isConfigurable(base)) {
    throw new InvalidInputError(`invalid --set ${field}: planner ${base.name} (${base.kind}) takes no settings (it does not implement settings()/withSettings())`, { field, value: settings[keys[0]!] ?? null });
  }
  try {
    return base.withSettings(settings);
  } catch (e) {
    // A user's planner refuses in its own words; it is still bad input, not a crash.
    if (e instanceof FlightrecError) throw e;
    throw new InvalidInputError(`invalid --set ${field}: ${e instanceof Error ? e.message : String(e)} (planner ${base.name} accepts ${Object.keys(base.settings()).join(', ')})`, { field, value: settings[keys[0]!] ?? null });
  }
}
