import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { AnyFloat } from '../../src/events/common-schemas.js';
import { inputSchemaOf } from '../../src/events/envelope.js';
import { compileFastCheck } from '../../src/events/fast-validator.js';
import { EVENT_TYPES, safeParseEventInput } from '../../src/events/registry.js';
import { Tensor } from '../../src/events/tensor.js';

/**
 * The compiled check must never accept what zod refuses (it would let an invalid event into the
 * log), and on the built-in schemas it must accept what zod accepts (or recording is slow again).
 * Values are generated from the schemas themselves, then mutated at random paths.
 */

type Internals = { _zod: { def: Record<string, unknown> & { type: string; checks?: { _zod: { def: Record<string, unknown> } }[] }; values?: Set<unknown> } };
const defOf = (s: z.ZodType) => (s as unknown as Internals)._zod.def;

const DTYPES = [
  ['float32', (n: number) => new Float32Array(n)],
  ['float64', (n: number) => new Float64Array(n)],
  ['int32', (n: number) => new Int32Array(n)],
  ['uint8', (n: number) => new Uint8Array(n)],
  ['bool', (n: number) => new Uint8Array(n)],
] as const;

const tensorArb = fc
  .tuple(fc.constantFrom(...DTYPES), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), fc.integer({ min: 0, max: 19 }).map((x) => x === 0))
  .map(([[dtype, make], shape, wrong]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    // Now and then the wrong element count or array type, which only the refinement catches.
    return { dtype, shape, data: wrong ? (dtype === 'float32' ? new Float64Array(n) : make(n + 1)) : make(n) };
  });

/** A value near the schema: valid most of the time, generated from its definition. */
function near(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  if (schema === Tensor) return tensorArb;
  if (schema === AnyFloat) return fc.double();
  const def = defOf(schema);
  const lengths = (def.checks ?? []).map((c) => c._zod.def);
  const min = (lengths.find((c) => c.check === 'min_length')?.minimum as number | undefined) ?? 0;
  const max = Math.min((lengths.find((c) => c.check === 'max_length')?.maximum as number | undefined) ?? 12, 12);
  switch (def.type) {
    case 'string':
      if (lengths.some((c) => c.check === 'string_format')) return fc.oneof({ arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/), weight: 9 }, { arbitrary: fc.string(), weight: 1 });
      return fc.oneof({ arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, max) }), weight: 19 }, { arbitrary: fc.string(), weight: 1 });
    case 'number':
      return fc.oneof({ arbitrary: fc.nat(), weight: 18 }, { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 1 }, { arbitrary: fc.double(), weight: 1 });
    case 'boolean':
      return fc.boolean();
    case 'literal':
    case 'enum':
      return fc.constantFrom(...(schema as unknown as Internals)._zod.values!);
    case 'optional':
      return fc.option(near(def.innerType as z.ZodType, depth), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(near(def.innerType as z.ZodType, depth), { nil: null, freq: 3 });
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(near(def.element as z.ZodType, depth + 1), { maxLength: Math.min(max, 4) });
    case 'union':
      return fc.oneof(...(def.options as z.ZodType[]).map((o) => near(o, depth)));
    case 'lazy':
      return depth > 3 ? fc.constant(null) : near((def.getter as () => z.ZodType)(), depth + 1);
    case 'record':
      return depth > 3 ? fc.constant({}) : fc.dictionary(near(def.keyType as z.ZodType, depth + 1) as fc.Arbitrary<string>, near(def.valueType as z.ZodType, depth + 1), { maxKeys: 3 });
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      return fc.record(Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, near(s, depth + 1)])), { requiredKeys: Object.keys(shape).filter((k) => defOf(shape[k]!).type !== 'optional') });
    }
    default:
      return fc.anything();
  }
}

function hasProtoKey(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return false;
  return Object.keys(v).some((k) => k === '__proto__' || hasProtoKey((v as Record<string, unknown>)[k]));
}

/** Replaces, deletes or adds one value somewhere in `v`. */
function mutate(v: unknown, path: number[], replacement: unknown, op: number): unknown {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return replacement;
  const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as unknown as Record<string, unknown>) : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || path.length === 0) {
    if (op === 0) copy['extra'] = replacement;
    return copy;
  }
  const k = keys[path[0]! % keys.length]!;
  if (path.length === 1 && op === 1) delete copy[k];
  else if (path.length === 1 && op === 2) copy[`${k}_`] = replacement;
  else copy[k] = mutate(copy[k], path.slice(1), replacement, op);
  return copy;
}

const odd = fc.oneof(fc.anything(), tensorArb, fc.constantFrom(NaN, -0, Infinity, undefined, null, '', new Float32Array(2), [], {}, Object.create(null)));

describe('compiled fast validation', () => {
  for (const def of EVENT_TYPES) {
    const schema = inputSchemaOf(def as Parameters<typeof inputSchemaOf>[0]) as z.ZodType;
    const fast = compileFastCheck(schema);
    it(`${def.type}: accepts exactly what zod accepts, on values near the schema`, () => {
      let valid = 0;
      fc.assert(
        fc.property(near(schema), (v) => {
          const ok = schema.safeParse(v).success;
          if (ok) valid++;
          // Stricter by design: a record's own __proto__ key, which zod skips and the codec refuses.
          if (ok && hasProtoKey(v)) assert.equal(fast(v), false);
          else assert.equal(fast(v), ok, 'the fast path and zod disagree');
        }),
        { numRuns: 300 },
      );
      // The generator must reach valid events, or the test would only ever compare refusals.
      assert.ok(valid >= 15, `only ${valid} of 300 generated ${def.type} events were valid`);
    });
    it(`${def.type}: never accepts what zod refuses, after a mutation`, () => {
      fc.assert(
        fc.property(near(schema), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), odd, fc.integer({ min: 0, max: 3 }), (v, path, replacement, op) => {
          const m = mutate(v, path, replacement, op);
          if (fast(m)) assert.ok(schema.safeParse(m).success, 'the fast path accepted a value zod refuses');
        }),
        { numRuns: 300 },
      );
    });
  }

  it('leaves to zod what it cannot compile, and zod still names the field and value', () => {
    const withTransform = z.strictObject({ a: z.string().transform((s) => s.length) });
    assert.equal(compileFastCheck(withTransform)({ a: 'x' }), false);
    const trimmed = z.strictObject({ a: z.string().trim() });
    assert.equal(compileFastCheck(trimmed)({ a: ' x ' }), false);
    const loose = z.object({ a: z.number() });
    assert.equal(compileFastCheck(loose)({ a: 1, b: 2 }), false, 'unknown keys zod would strip are not passed as given');
    assert.equal(compileFastCheck(loose)({ a: 1 }), true);
    const r = safeParseEventInput({ type: 'critic.evaluated', component: 'critic', payload: { states: { dtype: 'float32', shape: [1, 2], data: new Float32Array(3) }, values: { dtype: 'float32', shape: [1], data: new Float32Array(1) } } });
    assert.equal(r.success, false);
    assert.match((r as { error: Error }).error.message, /payload\.states\.data.*needs 2 elements, got 3/);
  });

  it('refuses values nested past the codec limit and cyclic values without overflowing', () => {
    const json = z.json();
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    assert.equal(compileFastCheck(json)(deep), false);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.equal(compileFastCheck(json)(cyclic), false);
  });

  it('takes the input itself when it is valid (no deep copy)', () => {
    const ev = { type: 'critic.evaluated', component: 'critic', payload: { states: { dtype: 'float32', shape: [1, 2], data: new Float32Array(2) }, values: { dtype: 'float32', shape: [1], data: new Float32Array(1) } } };
    const r = safeParseEventInput(ev);
    assert.ok(r.success);
    assert.equal(r.data, ev);
  });
});
