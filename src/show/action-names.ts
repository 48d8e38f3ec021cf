import { findEnvironment } from '../envs/registry.js';

/** The names of an environment's discrete actions by index (`show` prints them), or null: continuous actions, or an env this build does not know. */
export function actionNamesOf(envId: string | null): readonly string[] | null {
  const spec = findEnvironment(envId)?.actionSpec();
  return spec?.kind === 'discrete' ? spec.names : null;
}

/** An action as people read it: its name when the environment names it, else the value. */
export function actionLabel(action: unknown, names: readonly string[] | null): string {
  if (typeof action === 'number' && names !== null && Number.isInteger(action) && names[action] !== undefined) return names[action];
  return typeof action === 'number' ? String(action) : JSON.stringify(action);
}
