import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue, encodeValue, PayloadCodecError } from '../../src/events/payload-codec.js';

/** Doubles a model can produce, with the ones JSON cannot hold. */
const specialDouble = fc.constantFrom(-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON);
/** Integers at the edges of the varint encoding and of safe integers. */
const edgeInteger = fc.constantFrom(
  0,
  1,
  -1,
  63,
  64,
  -64,
  -65,
  127,
  128,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 51,
  2 ** 52 - 1,
  2 ** 52,
  2 ** 52 + 1,
  -(2 ** 52),
  -(2 ** 52) - 1,
  2 ** 53 - 2,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  2 ** 53,
  -(2 ** 53),
  2 ** 60,
);
const number = fc.oneof(fc.double(), specialDouble, edgeInteger, fc.integer(), fc.maxSafeInteger());

/** JSON-like values with every double, unicode strings (well-formed UTF-16) and nesting. */
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    number,
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('v'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).v;

function hasProtoKey(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasProtoKey);
  return Object.keys(v).some((k) => k === '__proto__' || hasProtoKey((v as Record<string, unknown>)[k]));
}

/** A copy of `v` whose objects have their keys inserted in another order. */
function permuteKeys(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x, i) => permuteKeys(x, seed + i + 1));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  let s = seed >>> 0 || 1;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = permuteKeys((v as Record<string, unknown>)[k], seed * 31 + k.length);
  return out;
}

describe('payload codec round trip', () => {
  it('fc.jsonValue values decode to a deep-equal value (or are refused for an own __proto__ key)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        if (hasProtoKey(v)) {
          // The decoder refuses __proto__ keys (prototype pollution), so the encoder must refuse them up front.
          assert.throws(() => encodeValue(v), (e: unknown) => e instanceof PayloadCodecError && /__proto__/.test(e.message));
          return;
        }
        assert.deepStrictEqual(decodeValue(encodeValue(v)), v);
      }),
      { numRuns: 2000 },
    );
  });

  it('values with -0, NaN, ±Infinity, subnormals and edge integers decode exactly (Object.is for every number)', () => {
    fc.assert(
      fc.property(value, (v) => {
        // deepStrictEqual compares numbers with Object.is: -0 !== 0, NaN === NaN.
        assert.deepStrictEqual(decodeValue(encodeValue(v)), v);
      }),
      { numRuns: 2000 },
    );
  });

  it('every integer near the safe-integer limits round-trips exactly', () => {
    const edges = [2 ** 52 - 1, 2 ** 52, 2 ** 52 + 1, 2 ** 53 - 2, Number.MAX_SAFE_INTEGER, -(2 ** 52), -(2 ** 52) - 1, Number.MIN_SAFE_INTEGER, 2 ** 53, -(2 ** 53), 2 ** 64];
    for (const x of edges) {
      let back: unknown;
      assert.doesNotThrow(() => {
        back = decodeValue(encodeValue(x));
      }, `${x} decodes`);
      assert.ok(Object.is(back, x), `${x} came back as ${String(back)}`);
    }
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (x) => Object.is(decodeValue(encodeValue(x)), x)),
      { numRuns: 2000 },
    );
  });

  it('strings are round-tripped or refused, never silently changed (lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
        for (const v of [s, { [s]: 1 }]) {
          let bytes: Uint8Array;
          try {
            bytes = encodeValue(v);
          } catch (e) {
            assert.ok(e instanceof PayloadCodecError, `refusal is a PayloadCodecError, got ${String(e)}`);
            // Only a lone surrogate (or the key __proto__) is a reason to refuse a string.
            assert.ok(/\p{Cs}/u.test(s) || (s === '__proto__' && typeof v === 'object'), `refused ${JSON.stringify(s)}`);
            continue;
          }
          assert.deepStrictEqual(decodeValue(bytes), v);
        }
      }),
      { numRuns: 2000 },
    );
    assert.throws(() => encodeValue('a\uD800b'), PayloadCodecError);
    assert.throws(() => encodeValue({ ['\uDC00']: 1 }), PayloadCodecError);
    assert.equal(decodeValue(encodeValue('a\uD83D\uDE00b')), 'a\uD83D\uDE00b', 'a surrogate pair is fine');
  });

  it('an object with an own __proto__ key is refused at encoding, not stored undecodable', () => {
    const v = JSON.parse('{"a": 1, "__proto__": {"x": 2}}') as unknown;
    assert.ok(Object.keys(v as object).includes('__proto__'));
    let bytes: Uint8Array | undefined;
    try {
      bytes = encodeValue(v);
    } catch (e) {
      assert.ok(e instanceof PayloadCodecError);
      assert.match(e.message, /__proto__/);
      return;
    }
    // If it is encoded, it must decode back to the same value.
    assert.deepStrictEqual(decodeValue(bytes), v);
  });
});

describe('canonical encoding', () => {
  it('objects with permuted key order encode to identical bytes', () => {
    fc.assert(
      fc.property(value, fc.integer(), (v, seed) => {
        const a = Buffer.from(encodeValue(v));
        const b = Buffer.from(encodeValue(permuteKeys(v, seed)));
        assert.ok(a.equals(b));
      }),
      { numRuns: 2000 },
    );
    assert.ok(Buffer.from(encodeValue({ b: 1, a: { d: [1], c: null } })).equals(encodeValue({ a: { c: null, d: [1] }, b: 1 })));
  });

  it('different values encode to different bytes, equal values to the same bytes', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const same = Buffer.from(encodeValue(a)).equals(encodeValue(b));
        let equal = true;
        try {
          assert.deepStrictEqual(a, b);
        } catch {
          equal = false;
        }
        assert.equal(same, equal, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }),
      { numRuns: 2000 },
    );
    const differ = (a: unknown, b: unknown) => assert.ok(!Buffer.from(encodeValue(a)).equals(encodeValue(b)), `${String(a)} and ${String(b)} differ`);
    differ(0, -0);
    differ(1, '1');
    differ(null, false);
    differ([], {});
    differ([1, 2], [2, 1]);
    differ({ a: null }, {});
    differ(Number.NaN, Number.POSITIVE_INFINITY);
  });

  it('keys whose value is undefined are left out, like JSON', () => {
    assert.ok(Buffer.from(encodeValue({ a: 1, b: undefined })).equals(encodeValue({ a: 1 })));
    assert.deepStrictEqual(decodeValue(encodeValue({ a: 1, b: undefined })), { a: 1 });
  });

  it('an integral double and the integer are the same value and the same bytes', () => {
    assert.ok(Buffer.from(encodeValue(3)).equals(encodeValue(3.0)));
    assert.ok(Buffer.from(encodeValue(1e15)).equals(encodeValue(1_000_000_000_000_000)));
  });
});

describe('values the codec refuses', () => {
  const refuses = (v: unknown, mention: RegExp) =>
    assert.throws(
      () => encodeValue(v),
      (e: unknown) => e instanceof PayloadCodecError && e.code === 'INVALID_PAYLOAD_BYTES' && mention.test(e.message),
      String(mention),
    );

  it('refuses undefined array elements, functions, symbols, bigints and class instances, naming where', () => {
    refuses({ a: [1, undefined] }, /a\[1\]/);
    refuses({ f: () => 1 }, /function at f/);
    refuses({ s: Symbol('x') }, /symbol at s/);
    refuses({ n: { b: 10n } }, /bigint at n\.b/);
    refuses({ d: new Date(0) }, /Date at d/);
    refuses({ m: new Map() }, /Map at m/);
    refuses(undefined, /undefined at \(root\)/);
  });

  it('refuses cycles and nesting deeper than 64 levels instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    refuses(cyclic, /deeper than 64/);
    let deep: unknown = 1;
    for (let i = 0; i < 65; i++) deep = [deep];
    refuses(deep, /deeper than 64/);
    let ok: unknown = 1;
    for (let i = 0; i < 64; i++) ok = [ok];
    assert.deepStrictEqual(decodeValue(encodeValue(ok)), ok);
  });

  it('a refused value leaves the encoder usable (the shared buffer is reset)', () => {
    assert.throws(() => encodeValue({ a: 'x'.repeat(5000), b: [undefined] }), PayloadCodecError);
    assert.deepStrictEqual(decodeValue(encodeValue({ c: 'y' })), { c: 'y' });
  });

  it('a putBlob callback that encodes recursively gets its own buffer', () => {
    const outer = encodeValue(
      { t: { dtype: 'uint8', shape: [4], data: Uint8Array.of(1, 2, 3, 4) } },
      {
        blobThreshold: 0,
        putBlob: () => {
          assert.deepStrictEqual(decodeValue(encodeValue({ inner: [1, 'two'] })), { inner: [1, 'two'] });
        },
      },
    );
    assert.equal(outer[0], 7, 'object tag');
    assert.throws(() => decodeValue(outer), PayloadCodecError, 'the blob reference still needs a blob store');
  });
});
