import fc from 'fast-check';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BuiltAgent } from '../../src/agent/agent-factory.js';
import { tensorFromBytes } from '../../src/events/tensor-codec.js';
import type { Dtype, Tensor } from '../../src/events/tensor.js';
import { pythonAgentFactory } from '../../replay/python-agent-factory.js';

const AGENTS = fileURLToPath(new URL('../../../test/replay/python/', import.meta.url));
const ECHO = `python:${AGENTS}echo_agent.py:make_agent`;
const SIZE: Record<Dtype, number> = { float32: 4, float64: 8, int32: 4, uint8: 1, bool: 1 };

const bytesOf = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Any tensor of any dtype, from raw bytes: NaN payloads (signalling ones too), -0, subnormals. */
const anyTensor = fc
  .record({ dtype: fc.constantFrom<Dtype>('float32', 'float64', 'int32', 'uint8', 'bool'), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) })
  .chain(({ dtype, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = dtype === 'bool' ? fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a)) : fc.uint8Array({ minLength: n * SIZE[dtype], maxLength: n * SIZE[dtype] });
    return bytes.map((b) => tensorFromBytes(dtype, shape, b));
  });

function echo(arrays: string): () => BuiltAgent {
  let built: BuiltAgent | null = null;
  before(async () => {
    built = await pythonAgentFactory(ECHO, AGENTS).create({ env: 'none', observationSpec: null, actionSpec: null, config: { arrays }, seed: null, discount: null });
  });
  after(() => built?.dispose());
  return () => built!;
}

describe('tensors across the component protocol', () => {
  describe('given to components as Tensors', () => {
    const agent = echo('tensors');
    it('come back bit for bit, whatever their dtype, shape and bits', () => {
      fc.assert(
        fc.property(anyTensor, (t) => {
          const back = agent().components.critic.evaluate(t);
          assert.equal(back.dtype, t.dtype);
          assert.deepEqual(back.shape, t.shape);
          assert.ok(bytesOf(back).equals(bytesOf(t)));
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('given to components as nested lists (the default)', () => {
    const agent = echo('lists');
    it('come back as the recorder would record the lists: float32 values exactly, -0 and ±Infinity included', () => {
      fc.assert(
        fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3 }), (xs, rows) => {
          const data = Float32Array.from(Array.from({ length: rows }, () => xs).flat());
          const t: Tensor = { dtype: 'float32', shape: [rows, xs.length], data };
          const back = agent().components.critic.evaluate(t);
          assert.deepEqual(back.shape, t.shape);
          assert.ok(bytesOf(back).equals(bytesOf(t)));
        }),
        { numRuns: 200 },
      );
    });
  });
});
