import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InvalidInputError } from '../errors/flightrec-error.js';
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

/**
 * A planner's config with `--set` changes applied, validated by its schema; the InvalidInputError
 * names the setting, the value and the settings `kind` accepts (`known`).
 */
export function parsePlannerSettings<S extends z.ZodType>(schema: S, next: Record<string, unknown>, changes: Record<string, PlannerSettingValue>, kind: string, known: readonly string[]): z.output<S> {
  const parsed = schema.safeParse(next);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? '');
  const what = known.includes(key) ? issue.message : `${kind} has no setting ${JSON.stringify(key)}`;
  throw new InvalidInputError(`invalid --set planner.${key}=${String(changes[key])}: ${what}; its settings are ${known.join(', ')}`, { field: `planner.${key}`, value: changes[key] ?? null });
}

/**
 * A settings-only planner's version: the first 16 hex digits of the SHA-256 of its identity as
 * JSON. Each planner passes exactly the keys it has always hashed, in that order, because recorded
 * runs name their planner by this version and a replay must find the same one.
 */
export function settingsVersion(identity: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}
