import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cartpole } from '../../src/envs/cartpole.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { ENVIRONMENT_IDS, makeEnvironment } from '../../src/envs/registry.js';
import { InvalidInputError } from '../../src/errors/flightrec-error.js';

describe('makeEnvironment', () => {
  it('builds every listed id, passing options through', () => {
    assert.deepEqual([...ENVIRONMENT_IDS], ['gridworld', 'cartpole', 'pendulum']);
    for (const id of ENVIRONMENT_IDS) assert.equal(makeEnvironment(id).id, id);
    assert.ok(makeEnvironment('gridworld') instanceof Gridworld);
    assert.ok(makeEnvironment('cartpole') instanceof Cartpole);
    assert.equal(makeEnvironment('cartpole', { maxEpisodeSteps: 500 }).maxEpisodeSteps, 500);
    assert.equal(makeEnvironment('gridworld', { slip: 0.1 }).slip, 0.1);
  });

  it('rejects an unknown id, listing the known ones', () => {
    assert.throws(
      () => makeEnvironment('mountaincar'),
      (e: unknown) => e instanceof InvalidInputError && /mountaincar/.test(e.message) && /gridworld, cartpole, pendulum/.test(e.message),
    );
  });

  it('rejects bad or unknown options', () => {
    for (const bad of [{ slip: 1 }, { slip: -0.1 }, { maxEpisodeSteps: 0 }, { maxEpisodeSteps: 2.5 }, { colour: 'red' }]) {
      assert.throws(() => makeEnvironment('gridworld', bad), InvalidInputError, JSON.stringify(bad));
    }
    assert.throws(() => makeEnvironment('cartpole', { slip: 0.1 }), InvalidInputError);
  });
});
