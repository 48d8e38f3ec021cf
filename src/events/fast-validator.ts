import type { z } from 'zod';

/**
 * A validator compiled from a zod schema at start-up: `check(value)` is true only when zod's
 * `safeParse(value)` would succeed and return a value equal to `value`. It never decides that a
 * value is invalid: false means "not shown valid here", and the caller asks zod, which stays the
 * authority and writes the error message. Built from the schema's own definition (its kinds,
 * shapes, literals and enums), running the schema's own check objects, so it cannot drift from a
 * schema that changes: a kind it does not know compiles to `() => false`, which only costs speed.
 *
 * It is stricter than zod where that is cheap and keeps it sound: unknown keys are refused even by
 * non-strict objects (zod would strip them, so the value as given would differ from zod's output),
 * objects must be plain, and values nested deeper than 64 levels are refused (the payload codec's
 * limit), so a deep or cyclic value always reaches zod's slower path with its depth guard.
 */
export type FastCheck = (value: unknown) => boolean;

type Check = (value: unknown, depth: number) => boolean;

/** The parts of zod's internal definition this compiler reads (zod 4's `schema._zod`). */
interface ZodInternals {
  traits: Set<string>;
  def: {
    type: string;
    checks?: ZodCheckInternals[];
    shape?: Record<string, z.ZodType>;
    catchall?: z.ZodType;
    innerType?: z.ZodType;
    element?: z.ZodType;
    options?: z.ZodType[];
    keyType?: z.ZodType;
    valueType?: z.ZodType;
    getter?: () => z.ZodType;
  };
  values?: Set<unknown>;
  check?: (payload: { value: unknown; issues: unknown[] }) => unknown;
}

interface ZodCheckInternals {
  _zod: { def: { check: string }; check: (payload: { value: unknown; issues: unknown[] }) => unknown };
}

const MAX_DEPTH = 64;
const never: Check = () => false;
const compiled = new WeakMap<z.ZodType, Check>();

/** Compiles `schema` once (cached by schema object); see FastCheck. */
export function compileFastCheck(schema: z.ZodType): FastCheck {
  const check = compile(schema);
  return (value) => {
    try {
      return check(value, 0);
    } catch {
      // A getter that throws, a Proxy, a check that throws on an odd value: zod gives the message.
      return false;
    }
  };
}

function internals(schema: z.ZodType): ZodInternals {
  return (schema as unknown as { _zod: ZodInternals })._zod;
}

function compile(schema: z.ZodType): Check {
  const done = compiled.get(schema);
  if (done !== undefined) return done;
  // Recursive schemas (z.json() is lazy): a forwarding stub stands in while the body compiles.
  let body: Check = never;
  compiled.set(schema, (v, d) => body(v, d));
  body = withChecks(schema, compileKind(schema));
  compiled.set(schema, body);
  return body;
}

/** Runs the schema's own checks (refinements, lengths, bounds, formats) on a value its kind accepted. */
function withChecks(schema: z.ZodType, kind: Check): Check {
  const zod = internals(schema);
  const checks: ZodCheckInternals[] = [...(zod.def.checks ?? [])];
  // A schema that is itself a check (z.int(), z.custom(), string formats) runs first, as in zod.
  if (zod.traits.has('$ZodCheck')) checks.unshift(schema as unknown as ZodCheckInternals);
  if (checks.length === 0 || kind === never) return kind;
  // An overwrite check changes the value (trim, toLowerCase): the value as given is not zod's output.
  if (checks.some((c) => c._zod.def.check === 'overwrite')) return never;
  // A custom schema with no other check is its function: called directly, as zod's check would.
  const custom = zod.def.type === 'custom' && checks.length === 1 ? (zod.def as { fn?: (v: unknown) => unknown }).fn : undefined;
  if (custom !== undefined) {
    return (value) => {
      const r = custom(value);
      return !!r && !(r instanceof Promise);
    };
  }
  // One payload and issue list for every call: a check reports by pushing to the list, which is
  // emptied only after a failure (setting length is slow enough to show).
  const issues: unknown[] = [];
  const payload: { value: unknown; issues: unknown[] } = { value: undefined, issues };
  return (value, depth) => {
    if (!kind(value, depth)) return false;
    for (let i = 0; i < checks.length; i++) {
      payload.value = value;
      payload.issues = issues;
      const r = checks[i]!._zod.check(payload);
      if (r instanceof Promise || issues.length !== 0 || payload.issues !== issues || !Object.is(payload.value, value)) {
        issues.length = 0;
        return false;
      }
    }
    return true;
  };
}

function compileKind(schema: z.ZodType): Check {
  const zod = internals(schema);
  const def = zod.def;
  switch (def.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'null':
      return (v) => v === null;
    case 'any':
    case 'unknown':
      return () => true;
    case 'custom':
      // The custom function itself is the schema's check (withChecks runs it).
      return () => true;
    case 'literal':
    case 'enum': {
      const values = zod.values;
      return values === undefined ? never : (v) => values.has(v);
    }
    case 'optional': {
      const inner = compile(def.innerType!);
      return (v, d) => v === undefined || inner(v, d);
    }
    case 'nullable': {
      const inner = compile(def.innerType!);
      return (v, d) => v === null || inner(v, d);
    }
    case 'array': {
      const element = compile(def.element!);
      return (v, d) => {
        if (!Array.isArray(v) || d >= MAX_DEPTH) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i], d + 1)) return false;
        return true;
      };
    }
    case 'union': {
      const options = def.options!.map(compile);
      return (v, d) => {
        for (let i = 0; i < options.length; i++) if (options[i]!(v, d)) return true;
        return false;
      };
    }
    case 'lazy': {
      const getter = def.getter!;
      let inner: Check | null = null;
      return (v, d) => (inner ??= compile(getter()))(v, d);
    }
    case 'object':
      return compileObject(def.shape!, def.catchall);
    case 'record': {
      const keyType = internals(def.keyType!);
      // A record keyed by an enum or literals has required keys: zod's other branch, not compiled.
      if (keyType.values !== undefined || (def as { mode?: string }).mode === 'loose') return never;
      const key = compile(def.keyType!);
      const value = compile(def.valueType!);
      return (v, d) => {
        // zod's record also checks enumerable symbol keys against the key schema: none allowed here.
        if (!isPlainObject(v) || d >= MAX_DEPTH || Object.getOwnPropertySymbols(v).length !== 0) return false;
        for (const k in v) {
          if (k === '__proto__' || !key(k, d + 1) || !value((v as Record<string, unknown>)[k], d + 1)) return false;
        }
        return true;
      };
    }
    default:
      // pipe, transform, default, catch, tuple, intersection...: zod decides.
      return never;
  }
}

function compileObject(shape: Record<string, z.ZodType>, catchall: z.ZodType | undefined): Check {
  // Strict (catchall never) and plain objects are compiled; a catchall schema lets zod decide.
  if (catchall !== undefined && internals(catchall).def.type !== 'never') return never;
  if (Object.getOwnPropertySymbols(shape).length > 0) return never;
  const keys = Object.keys(shape);
  const checks = keys.map((k) => compile(shape[k]!));
  const optional = keys.map((k) => internals(shape[k]!).def.type === 'optional');
  return generatedObjectCheck(keys, checks, optional) ?? objectCheck(keys, checks, optional);
}

/**
 * The object check as generated code: named property loads and a switch over the key names let
 * V8 treat the object like any hand-written access (a loop over key strings is a generic lookup
 * per key, most of the check's time). Generated only from the shape's keys, quoted by
 * JSON.stringify; null where code generation is not allowed.
 */
function generatedObjectCheck(keys: readonly string[], checks: readonly Check[], optional: readonly boolean[]): Check | null {
  const lines = ['if (!isPlainObject(v) || d >= MAX_DEPTH) return false;', 'let x;'];
  keys.forEach((k, i) => {
    lines.push(`x = v[${JSON.stringify(k)}];`);
    lines.push(optional[i] ? `if (x !== undefined && !c[${i}](x, d + 1)) return false;` : `if (x === undefined || !c[${i}](x, d + 1)) return false;`);
  });
  // zod (and the payload codec) see the keys for...in yields; symbols and non-enumerable keys neither sees.
  lines.push('for (const k in v) {', '  switch (k) {');
  for (const k of keys) lines.push(`    case ${JSON.stringify(k)}:`);
  lines.push('      continue;', '    default:', '      return false;', '  }', '}', 'return true;');
  try {
    const make = new Function('c', 'isPlainObject', 'MAX_DEPTH', `return function objectCheck(v, d) {\n${lines.join('\n')}\n};`) as (c: readonly Check[], p: typeof isPlainObject, m: number) => Check;
    return make(checks, isPlainObject, MAX_DEPTH);
  } catch {
    return null;
  }
}

function objectCheck(keys: readonly string[], checks: readonly Check[], optional: readonly boolean[]): Check {
  const known = new Set(keys);
  return (v, d) => {
    if (!isPlainObject(v) || d >= MAX_DEPTH) return false;
    const o = v as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const x = o[keys[i]!];
      // Absent or undefined: fine only for an optional key.
      if (x === undefined) {
        if (!optional[i]) return false;
      } else if (!checks[i]!(x, d + 1)) return false;
    }
    for (const k in o) if (!known.has(k)) return false;
    return true;
  };
}

function isPlainObject(v: unknown): v is object {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
