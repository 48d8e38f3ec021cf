import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkpointCodec, type Checkpoint } from '../../../src/agent/nn/checkpoint-codec.js';
import { InvalidInputError } from '../../../src/errors/flightrec-error.js';

const bits = (a: Float32Array | null) => (a === null ? null : [...new Uint32Array(a.buffer, a.byteOffset, a.length)]);

/** Floats written as bit patterns: quiet and signalling NaNs with payloads, -0, ±Infinity, denormal. */
function special(): Float32Array {
  const u = new Uint32Array([0x7fc00001, 0xffc12345, 0x7f800001, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x3f800000]);
  return new Float32Array(u.buffer);
}

test('round trip preserves every bit, including NaN payloads and -0', () => {
  const c: Checkpoint = { parameters: special(), optimizerState: special().reverse(), architecture: 'mlp[4-2] act=tanh — ünïcode' };
  const back = checkpointCodec.decode(checkpointCodec.encode(c));
  assert.equal(back.architecture, c.architecture);
  assert.deepEqual(bits(back.parameters), bits(c.parameters));
  assert.deepEqual(bits(back.optimizerState), bits(c.optimizerState));
  assert.ok(Object.is(back.parameters[3], -0));
});

test('null optimizer state and empty arrays round-trip', () => {
  const c: Checkpoint = { parameters: new Float32Array(0), optimizerState: null, architecture: '' };
  assert.deepEqual(checkpointCodec.decode(checkpointCodec.encode(c)), c);
  const withEmptyState = checkpointCodec.decode(checkpointCodec.encode({ ...c, optimizerState: new Float32Array(0) }));
  assert.deepEqual(withEmptyState.optimizerState, new Float32Array(0));
});

test('decodes from an unaligned view into a larger buffer', () => {
  const bytes = checkpointCodec.encode({ parameters: special(), optimizerState: null, architecture: 'abc' });
  const host = new Uint8Array(bytes.length + 3);
  host.set(bytes, 1);
  const back = checkpointCodec.decode(host.subarray(1, 1 + bytes.length));
  assert.deepEqual(bits(back.parameters), bits(special()));
});

test('truncated, padded, foreign or inconsistent input is rejected with a reason', () => {
  const good = checkpointCodec.encode({ parameters: special(), optimizerState: special(), architecture: 'x' });
  const reason = (bytes: Uint8Array) => {
    try {
      checkpointCodec.decode(bytes);
    } catch (e) {
      assert.ok(e instanceof InvalidInputError);
      return e.details['reason'];
    }
    assert.fail('decode accepted invalid input');
  };
  assert.equal(reason(good.subarray(0, 10)), 'truncated header');
  assert.equal(reason(good.subarray(0, good.length - 1)), 'truncated');
  assert.equal(reason(new Uint8Array([...good, 0])), 'trailing bytes');
  const magic = new Uint8Array(good);
  magic[0] = 0;
  assert.equal(reason(magic), 'bad magic');
  const version = new Uint8Array(good);
  version[4] = 9;
  assert.equal(reason(version), 'unsupported format version');
  const noFlag = new Uint8Array(good);
  noFlag[5] = 0;
  assert.equal(reason(noFlag), 'optimizer state count without optimizer flag');
  const count = new Uint8Array(good);
  count[12] = count[12]! + 1;
  assert.equal(reason(count), 'truncated');
  const utf8 = checkpointCodec.encode({ parameters: new Float32Array(0), optimizerState: null, architecture: 'a' });
  utf8[20] = 0xff;
  assert.equal(reason(utf8), 'architecture is not valid UTF-8');
});
