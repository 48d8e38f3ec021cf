import type { Planner } from './components.js';

/** A planner setting's value as `--set planner.<name>=<value>` gives it. */
export type PlannerSettingValue = number | boolean;

/**
 * A planner whose settings can be changed for a re-evaluation (`--set planner.horizon=4`).
 * `withSettings` returns a new planner and leaves this one as it is; it throws InvalidInputError
 * naming the setting and the accepted ones when a name is unknown or a value out of range.
 */
export interface ConfigurablePlanner extends Planner {
  settings(): Record<string, PlannerSettingValue>;
  withSettings(changes: Record<string, PlannerSettingValue>): Planner;
}

export function isConfigurable(p: Planner): p is ConfigurablePlanner {
  const x = p as Partial<ConfigurablePlanner>;
  return typeof x.withSettings === 'function' && typeof x.settings === 'function';
}
