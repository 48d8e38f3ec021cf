import { InvalidInputError } from '../src/errors/flightrec-error.js';
import { Role } from '../src/events/event-type.js';

/** Where a swapped-in component comes from. */
export type ComponentSource =
  /** A version recorded in a run of this store (`<run>@<version>`, `@<version>` for the source run, `@latest`). */
  | { kind: 'version'; run: string | null; version: string }
  /** A checkpoint file written by `flightrec checkpoint`. */
  | { kind: 'file'; path: string }
  /** A user module exporting a component (or a factory of one) that implements the role's contract. */
  | { kind: 'module'; path: string }
  /** The role's component of a Python agent factory (`python:<module>:<function>`), built from the source run's config and seed. */
  | { kind: 'python'; factory: string };

export interface SwapSpec {
  role: Role;
  source: ComponentSource;
  /** The spec as the user wrote it, recorded in the derived run's overrides. */
  text: string;
}

const ROLE_ALIASES: Record<string, Role> = { 'world-model': 'world_model', worldmodel: 'world_model' };

/** Parses `role=<spec>`; errors name the part that is wrong and list what is accepted. */
export function parseSwap(text: string): SwapSpec {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidInputError(`invalid --swap ${JSON.stringify(text)}: expected <role>=<spec>, e.g. critic=@latest`, { field: '--swap', value: text });
  const roleText = text.slice(0, eq).trim();
  const role = Role.safeParse(Object.hasOwn(ROLE_ALIASES, roleText) ? ROLE_ALIASES[roleText] : roleText);
  if (!role.success) throw new InvalidInputError(`invalid --swap ${JSON.stringify(text)}: unknown role ${JSON.stringify(roleText)}; roles are ${Role.options.join(', ')}`, { field: '--swap', value: text });
  const spec = text.slice(eq + 1).trim();
  return { role: role.data, source: parseSource(spec, text), text };
}

function parseSource(spec: string, text: string): ComponentSource {
  if (spec.startsWith('file:') && spec.length > 5) return { kind: 'file', path: spec.slice(5) };
  if (spec.startsWith('module:') && spec.length > 7) return { kind: 'module', path: spec.slice(7) };
  if (spec.startsWith('python:') && spec.length > 7) return { kind: 'python', factory: spec };
  const at = spec.lastIndexOf('@');
  if (at >= 0 && at < spec.length - 1) return { kind: 'version', run: at === 0 ? null : spec.slice(0, at), version: spec.slice(at + 1) };
  throw new InvalidInputError(`invalid --swap ${JSON.stringify(text)}: the spec must be <run>@<version>, @<version>, @latest, file:<checkpoint>, module:<path> or python:<module>:<function>`, { field: '--swap', value: text });
}

/** Parses `planner.<setting>=<number>` overrides. */
export function parseSet(text: string): { path: string[]; value: number | boolean } {
  const m = /^([a-z_]+)\.([A-Za-z_]+)=(.+)$/.exec(text.trim());
  if (m === null) throw new InvalidInputError(`invalid --set ${JSON.stringify(text)}: expected <component>.<setting>=<value>, e.g. planner.horizon=8`, { field: '--set', value: text });
  // Not a setting any planner can have: as an object key it is the prototype, and it cannot be stored in the derived run's overrides.
  if (m[2] === '__proto__') throw new InvalidInputError(`invalid --set ${JSON.stringify(text)}: "__proto__" is not a setting name`, { field: '--set', value: text });
  const raw = m[3]!;
  const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new InvalidInputError(`invalid --set ${JSON.stringify(text)}: ${JSON.stringify(raw)} is not a number`, { field: '--set', value: text });
  return { path: [m[1]!, m[2]!], value };
}

/**
 * Every `--set` as one settings record for the planner. The record has no prototype, so a name
 * like `__proto__` stays a setting (which the planner then refuses) instead of vanishing into an
 * assignment that does nothing; a setting given twice is refused rather than silently overridden.
 */
export function parseSettings(texts: readonly string[]): Record<string, number | boolean> {
  const settings = Object.create(null) as Record<string, number | boolean>;
  for (const text of texts) {
    const s = parseSet(text);
    const name = s.path.join('.');
    if (s.path[0] !== 'planner') throw new InvalidInputError(`invalid --set ${name}: only planner settings can be set (learned components are swapped with --swap)`, { field: '--set', value: name });
    if (Object.hasOwn(settings, s.path[1]!)) throw new InvalidInputError(`invalid --set ${name}: given twice (${String(settings[s.path[1]!])} and ${String(s.value)})`, { field: '--set', value: name });
    settings[s.path[1]!] = s.value;
  }
  return settings;
}
