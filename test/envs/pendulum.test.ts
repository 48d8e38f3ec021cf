import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { angleNormalize, Pendulum } from '../../src/envs/pendulum.js';
import { SeededRng } from '../../src/random/seeded-rng.js';

const at = (theta: number, thetaDot: number, reward: 'cost' | 'tip-height' = 'cost') => ({
  env: 'pendulum',
  theta,
  thetaDot,
  t: 0,
  over: 'running',
  rng: SeededRng.fromSeed(0).state(),
  maxEpisodeSteps: 200,
  reward,
});

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} ≈ ${b}`);

describe('pendulum dynamics (Gymnasium Pendulum-v1)', () => {
  it('matches a hand-computed step: reward from the state before it, semi-implicit Euler', () => {
    const env = new Pendulum();
    env.restoreState(at(1, 0.5));
    const r = env.step(Float32Array.of(1));
    // cost = 1² + 0.1·0.5² + 0.001·1² = 1.026; θ̇' = 0.5 + (15·sin 1 + 3·1)·0.05; θ' = 1 + θ̇'·0.05.
    close(r.reward, -1.026);
    close(r.performance!, -1.026);
    const thetaDot = 0.5 + (15 * Math.sin(1) + 3) * 0.05;
    const s = env.saveState();
    close(s.thetaDot, thetaDot);
    close(s.theta, 1 + thetaDot * 0.05);
    assert.deepEqual(Array.from(r.observation), Array.from(Float32Array.of(Math.cos(s.theta), Math.sin(s.theta), thetaDot)));
    assert.equal(r.terminated, false);
  });

  it('normalises the angle in the cost and clips the speed at 8', () => {
    close(angleNormalize(3 * Math.PI), -Math.PI);
    close(angleNormalize(-0.5), -0.5);
    const env = new Pendulum();
    env.restoreState(at(2 * Math.PI + 0.2, 7.9));
    const r = env.step(Float32Array.of(2));
    close(r.reward, -(0.2 ** 2 + 0.1 * 7.9 ** 2 + 0.001 * 4), 1e-9);
    assert.equal(env.saveState().thetaDot, 8);
  });

  it('the tip-height proxy pays cos θ of the state reached; performance stays the true reward', () => {
    const env = new Pendulum({ reward: 'tip-height' });
    env.restoreState(at(Math.PI, 0, 'tip-height'));
    const r = env.step(Float32Array.of(0));
    close(r.reward, Math.cos(env.saveState().theta));
    close(r.performance!, -(Math.PI ** 2));
    // A restored state brings its reward kind with it.
    const plain = new Pendulum();
    plain.restoreState(env.saveState());
    assert.equal(plain.rewardKind, 'tip-height');
  });

  it('truncates after 200 steps and never terminates', () => {
    const env = new Pendulum();
    env.reset(4);
    let n = 0;
    for (;;) {
      const r = env.step(Float32Array.of(0));
      n++;
      assert.equal(r.terminated, false);
      if (r.truncated) break;
    }
    assert.equal(n, 200);
  });

  it('refuses a torque outside [-2, 2], naming it', () => {
    const env = new Pendulum();
    env.reset(1);
    assert.throws(() => env.step(Float32Array.of(2.5)), /invalid action Float32Array \[2\.5\]/);
  });
});
