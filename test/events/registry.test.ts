import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventValidationError, UnknownEventTypeError } from '../../src/events/event-errors.js';
import { EVENT_TYPES, parseEventInput, safeParseEventInput, validatePayload } from '../../src/events/registry.js';

function critic(over: Record<string, unknown> = {}, payloadOver: Record<string, unknown> = {}) {
  return {
    type: 'critic.evaluated',
    episode: 0,
    step: 3,
    decision: 3,
    component: 'critic',
    version: 'abc',
    payload: {
      states: { dtype: 'float32', shape: [2, 4], data: new Float32Array(8) },
      values: { dtype: 'float32', shape: [2], data: new Float32Array(2) },
      ...payloadOver,
    },
    ...over,
  };
}

function envStepped(payloadOver: Record<string, unknown> = {}) {
  return {
    type: 'env.stepped',
    episode: 1,
    step: 2,
    payload: { action: 1, observation: { dtype: 'float64', shape: [2], data: new Float64Array(2) }, reward: 1.5, terminated: false, truncated: false, performance: null, ...payloadOver },
  };
}

function componentUpdated(payloadOver: Record<string, unknown> = {}) {
  return {
    type: 'component.updated',
    component: 'critic',
    payload: { from_version: 'a', to_version: 'b', update: 1, loss: 0.5, grad_norm: 1, batch: { events: [1, 2], tensors: {} }, hyper: {}, ...payloadOver },
  };
}

/** Parses and expects an EventValidationError with an issue at `path` whose received value is `received`; the message names both. */
function rejectsAt(input: unknown, path: string, received: string | RegExp): EventValidationError {
  const r = safeParseEventInput(input);
  assert.equal(r.success, false, `expected ${path} to be rejected`);
  const err = (r as { success: false; error: unknown }).error;
  assert.ok(err instanceof EventValidationError, `EventValidationError, got ${String(err)}`);
  assert.equal(err.code, 'INVALID_EVENT');
  const issue = err.issues.find((i) => i.path === path);
  assert.ok(issue, `an issue at ${path}; got ${JSON.stringify(err.issues)}`);
  if (typeof received === 'string') assert.equal(issue.received, received);
  else assert.match(issue.received, received);
  // The first issue is in the message; when ours is the only one, the message names path and value.
  if (err.issues.length === 1) {
    assert.ok(err.message.includes(path), `message ${JSON.stringify(err.message)} names ${path}`);
    assert.ok(err.message.includes(issue.received), `message ${JSON.stringify(err.message)} names the received value ${issue.received}`);
  }
  assert.throws(() => parseEventInput(input), EventValidationError);
  return err;
}

describe('event envelope', () => {
  it('accepts the example event and leaves its tensors untouched', () => {
    const ev = critic();
    const parsed = parseEventInput(ev);
    assert.equal(parsed.type, 'critic.evaluated');
    assert.equal((parsed.payload as { states: { data: Float32Array } }).states.data, ev.payload.states.data, 'tensor data is not copied');
  });

  it('rejects an unknown key at the top level (strict, not stripped)', () => {
    const err = rejectsAt(critic({ extra: 1 }), 'extra', /extra/);
    assert.equal(err.issues.length, 1);
  });

  it('rejects an unknown key inside the payload', () => {
    rejectsAt(critic({}, { advantages: 1 }), 'payload.advantages', /advantages/);
  });

  it('rejects an unknown key inside a tensor object', () => {
    rejectsAt(critic({}, { states: { dtype: 'float32', shape: [2, 4], data: new Float32Array(8), strides: [4, 1] } }), 'payload.states.strides', /strides/);
  });

  it('rejects an unknown type with code UNKNOWN_EVENT_TYPE, naming it and the known types', () => {
    for (const input of [critic({ type: 'critic.evaluatd' }), { type: 42 }, {}, null, 'critic.evaluated']) {
      const r = safeParseEventInput(input);
      assert.equal(r.success, false);
      const err = (r as { success: false; error: unknown }).error;
      assert.ok(err instanceof UnknownEventTypeError);
      assert.equal(err.code, 'UNKNOWN_EVENT_TYPE');
      assert.ok(err.message.includes('critic.evaluated'), 'lists known types');
      assert.throws(() => parseEventInput(input), UnknownEventTypeError);
    }
    assert.match((safeParseEventInput(critic({ type: 'critic.evaluatd' })) as { error: Error }).error.message, /"critic\.evaluatd"/);
    // A type inherited from Object.prototype is not a type.
    assert.equal(safeParseEventInput({ type: 'constructor', payload: {} }).success, false);
    assert.equal(safeParseEventInput({ type: 'toString', payload: {} }).success, false);
  });

  it('rejects a negative, fractional or non-numeric step, naming the value', () => {
    rejectsAt(critic({ step: -1 }), 'step', '-1');
    rejectsAt(critic({ step: 1.5 }), 'step', '1.5');
    rejectsAt(critic({ step: '3' }), 'step', '"3"');
    rejectsAt(critic({ episode: Number.NaN }), 'episode', 'NaN');
    rejectsAt(critic({ t: -5 }), 't', '-5');
    rejectsAt(critic({ parent: 2 ** 53 }), 'parent', String(2 ** 53));
  });

  it('rejects a v other than the type’s current version', () => {
    rejectsAt(critic({ v: 2 }), 'v', '2');
    assert.equal(safeParseEventInput(critic({ v: 1 })).success, true);
  });

  it('rejects component names outside the allowed alphabet, naming the value', () => {
    rejectsAt(critic({ component: 'my critic' }), 'component', '"my critic"');
    rejectsAt(critic({ component: '' }), 'component', '""');
  });
});

describe('numbers: Finite versus AnyFloat', () => {
  it('rejects NaN and ±Infinity as an env.stepped reward (a Finite field)', () => {
    rejectsAt(envStepped({ reward: Number.NaN }), 'payload.reward', 'NaN');
    rejectsAt(envStepped({ reward: Number.POSITIVE_INFINITY }), 'payload.reward', 'Infinity');
    rejectsAt(envStepped({ performance: Number.NEGATIVE_INFINITY }), 'payload.performance', '-Infinity');
    assert.equal(safeParseEventInput(envStepped({ reward: -0 })).success, true);
  });

  it('accepts NaN, ±Infinity and -0 as a component.updated loss (an AnyFloat field)', () => {
    for (const loss of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]) {
      const r = safeParseEventInput(componentUpdated({ loss, grad_norm: loss }));
      assert.ok(r.success, `loss ${loss}`);
      assert.ok(Object.is((r.data.payload as { loss: number }).loss, loss));
    }
    rejectsAt(componentUpdated({ loss: '0.5' }), 'payload.loss', '"0.5"');
    rejectsAt(componentUpdated({ loss: null }), 'payload.loss', 'null');
  });
});

describe('tensors in events', () => {
  it('rejects data of the wrong length, naming shape, needed and actual element counts', () => {
    const err = rejectsAt(critic({}, { states: { dtype: 'float32', shape: [2, 4], data: new Float32Array(7) } }), 'payload.states.data', 'Float32Array(7)');
    assert.match(err.issues[0]!.message, /\[2, 4\].*8.*7/);
  });

  it('rejects data of the wrong array type for the dtype', () => {
    rejectsAt(critic({}, { values: { dtype: 'float32', shape: [2], data: new Float64Array(2) } }), 'payload.values.data', 'Float64Array(2)');
    rejectsAt(critic({}, { values: { dtype: 'float32', shape: [2], data: [0, 0] } }), 'payload.values.data', '[0, 0]');
  });

  it('rejects bad shapes and dtypes, naming the value', () => {
    rejectsAt(critic({}, { values: { dtype: 'float32', shape: [-2], data: new Float32Array(2) } }), 'payload.values.shape', '[-2]');
    rejectsAt(critic({}, { values: { dtype: 'float32', shape: [1.5], data: new Float32Array(2) } }), 'payload.values.shape', '[1.5]');
    rejectsAt(critic({}, { values: { dtype: 'float32', shape: [2 ** 20, 2 ** 20], data: new Float32Array(2) } }), 'payload.values.shape', `[${2 ** 20}, ${2 ** 20}]`);
    rejectsAt(critic({}, { values: { dtype: 'float16', shape: [2], data: new Float32Array(2) } }), 'payload.values.dtype', '"float16"');
  });

  it('rejects bool tensors holding values other than 0 and 1', () => {
    const ev = { ...envStepped(), payload: { ...envStepped().payload, observation: { dtype: 'bool', shape: [3], data: Uint8Array.of(0, 1, 2) } } };
    rejectsAt(ev, 'payload.observation.data', 'Uint8Array(3)');
  });
});

describe('the registry', () => {
  it('has one definition per type and validates stored payloads by version', () => {
    const names = EVENT_TYPES.map((d) => d.type);
    assert.equal(new Set(names).size, names.length);
    assert.doesNotThrow(() => validatePayload('critic.evaluated', 1, critic().payload));
    assert.throws(() => validatePayload('critic.evaluated', 2, critic().payload), (e: unknown) => (e as { code?: string }).code === 'EVENT_VERSION_TOO_NEW');
    assert.throws(
      () => validatePayload('critic.evaluated', 1, { ...critic().payload, extra: 1 }),
      (e: unknown) => e instanceof EventValidationError && e.issues.some((i) => i.path === 'payload.extra'),
    );
  });
});

describe('property: generated critic.evaluated events', () => {
  const tensorOf = (rows: number, width: number | null) => {
    const shape = width === null ? [rows] : [rows, width];
    return { dtype: 'float32' as const, shape, data: new Float32Array(rows * (width ?? 1)) };
  };
  const validEvent = fc
    .record({
      rows: fc.integer({ min: 0, max: 6 }),
      width: fc.integer({ min: 0, max: 6 }),
      id: fc.option(fc.string({ minLength: 1, maxLength: 128 }), { nil: undefined }),
      t: fc.option(fc.maxSafeNat(), { nil: undefined }),
      episode: fc.option(fc.nat(), { nil: null }),
      step: fc.option(fc.nat(), { nil: null }),
      decision: fc.option(fc.nat(), { nil: null }),
      component: fc.option(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/), { nil: null }),
      version: fc.option(fc.string({ minLength: 1, maxLength: 128 }), { nil: null }),
      parent: fc.option(fc.nat(), { nil: null }),
    })
    .map(({ rows, width, id, t, ...env }) => ({
      type: 'critic.evaluated',
      ...(id !== undefined ? { id } : {}),
      ...(t !== undefined ? { t } : {}),
      ...env,
      payload: { states: tensorOf(rows, width), values: tensorOf(rows, null) },
    }));

  it('always parse', () => {
    fc.assert(
      fc.property(validEvent, (ev) => {
        const r = safeParseEventInput(ev);
        assert.ok(r.success, r.success ? '' : r.error.message);
      }),
      { numRuns: 1000 },
    );
  });

  /** Where a field lives in the event, and values of a wrong type for it. */
  const fields: { path: string[]; wrong: unknown[] }[] = [
    { path: ['id'], wrong: [1, true, {}, ''] },
    { path: ['t'], wrong: ['1', -1, 0.5, Number.NaN, null] },
    { path: ['episode'], wrong: ['0', -1, 0.5, true, []] },
    { path: ['step'], wrong: ['0', -1, 2.5, false, {}] },
    { path: ['decision'], wrong: ['0', -3, Number.POSITIVE_INFINITY, {}] },
    { path: ['component'], wrong: [1, true, {}, 'a b'] },
    { path: ['version'], wrong: [1, false, [], ''] },
    { path: ['parent'], wrong: ['1', -1, 1.5] },
    { path: ['payload', 'states'], wrong: ['x', 1, null, [], new Float32Array(8)] },
    { path: ['payload', 'values'], wrong: ['x', 0, null, true] },
    { path: ['payload', 'states', 'dtype'], wrong: [1, 'float', null] },
    { path: ['payload', 'states', 'shape'], wrong: ['2,4', 8, null, ['2']] },
    { path: ['payload', 'states', 'data'], wrong: [[0], 'data', null, new DataView(new ArrayBuffer(4))] },
    { path: ['payload', 'values', 'data'], wrong: [{}, 1] },
  ];

  it('with one field mutated to a wrong type always fail, with that field’s path in the issues', () => {
    const mutation = fc.constantFrom(...fields).chain((f) => fc.record({ path: fc.constant(f.path), wrong: fc.constantFrom(...f.wrong) }));
    fc.assert(
      fc.property(validEvent, mutation, (ev, m) => {
        const mutated = structuredClone(ev) as Record<string, unknown>;
        let target = mutated;
        for (const k of m.path.slice(0, -1)) target = target[k] as Record<string, unknown>;
        target[m.path[m.path.length - 1]!] = m.wrong;
        const r = safeParseEventInput(mutated);
        assert.equal(r.success, false, `${m.path.join('.')} = ${String(m.wrong)} was accepted`);
        const err = (r as { success: false; error: unknown }).error;
        assert.ok(err instanceof EventValidationError);
        const path = m.path.join('.');
        assert.ok(
          err.issues.some((i) => i.path === path || i.path.startsWith(`${path}.`)),
          `issues ${JSON.stringify(err.issues)} name ${path}`,
        );
        assert.ok(err.message.includes(path), `message names ${path}: ${err.message}`);
      }),
      { numRuns: 1500 },
    );
  });
});
