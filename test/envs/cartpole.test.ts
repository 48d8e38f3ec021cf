import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cartpole } from '../../src/envs/cartpole.js';
import { SeededRng } from '../../src/random/seeded-rng.js';

const at = (state: { x: number; xDot: number; theta: number; thetaDot: number }, t = 0) => ({
  env: 'cartpole',
  ...state,
  t,
  over: 'running',
  rng: SeededRng.fromSeed(0).state(),
  maxEpisodeSteps: 200,
});

describe('cartpole dynamics', () => {
  it('matches hand-computed Euler steps', () => {
    const env = new Cartpole();
    // From rest, push right (F = +10): temp = 10/1.1 = 9.090909;
    // θ̈ = (0 − 9.090909) / (0.5 · (4/3 − 0.1/1.1)) = −14.634146; ẍ = 9.090909 + 0.05·14.634146/1.1 = 9.756098.
    // x and θ move by τ·(old velocity) = 0; the velocities by τ·acceleration.
    env.restoreState(at({ x: 0, xDot: 0, theta: 0, thetaDot: 0 }));
    let r = env.step(1);
    assert.deepEqual(Array.from(r.observation), Array.from(Float32Array.of(0, 0.19512195, 0, -0.29268293)));
    // Second push right: θ is still 0, so the accelerations repeat and the velocities double;
    // x = 0.02·0.195122, θ = −0.02·0.292683.
    r = env.step(1);
    const s = env.saveState();
    assert.ok(Math.abs(s.x - 0.0039024390) < 1e-9 && Math.abs(s.theta + 0.0058536585) < 1e-9);
    assert.ok(Math.abs(s.xDot - 0.39024390) < 1e-8 && Math.abs(s.thetaDot + 0.58536585) < 1e-8);
    // A tilted pole at rest, push left: sinθ = sin 0.1 = 0.0998334, cosθ = 0.9950042;
    // temp = −10/1.1 = −9.0909091; θ̈ = (0.9783675 + 9.0454927)/(0.5·(1.3333333 − 0.0900030)) = 16.124211;
    // ẍ = −9.0909091 − 0.05·16.124211·0.9950042/1.1 = −9.820166.
    env.restoreState(at({ x: 0, xDot: 0, theta: 0.1, thetaDot: 0 }));
    env.step(0);
    const t = env.saveState();
    assert.ok(Math.abs(t.theta - 0.1) < 1e-12 && Math.abs(t.x) < 1e-12);
    assert.ok(Math.abs(t.thetaDot - 0.02 * 16.124211) < 1e-6, `θ̇ = ${t.thetaDot}`);
    assert.ok(Math.abs(t.xDot + 0.02 * 9.820166) < 1e-6, `ẋ = ${t.xDot}`);
  });

  it('fails past the thresholds, still paying 1 for the failing step', () => {
    const env = new Cartpole();
    env.restoreState(at({ x: 2.399, xDot: 1, theta: 0, thetaDot: 0 }));
    assert.deepEqual({ ...env.step(1), observation: null }, {
      observation: null, reward: 1, terminated: true, truncated: false, performance: null,
    });
    const limit = (12 * Math.PI) / 180;
    env.restoreState(at({ x: 0, xDot: 0, theta: -limit + 0.001, thetaDot: -1 }));
    assert.equal(env.step(0).terminated, true);
    env.restoreState(at({ x: 0, xDot: 0, theta: limit - 0.03, thetaDot: 0 }));
    assert.equal(env.step(0).terminated, false);
  });

  it('starts uniformly within ±0.05, keeps float64 state and casts the observation', () => {
    const env = new Cartpole();
    for (let seed = 0; seed < 200; seed++) {
      const obs = env.reset(seed);
      const s = env.saveState();
      const exact = [s.x, s.xDot, s.theta, s.thetaDot];
      exact.forEach((v, i) => {
        assert.ok(Math.abs(v) <= 0.05);
        assert.equal(obs[i], Math.fround(v));
      });
    }
  });

  it('a uniform random policy balances for about 22 steps on average', () => {
    const env = new Cartpole();
    const rng = SeededRng.fromSeed('random-policy');
    const episodes = 1000;
    let steps = 0;
    for (let seed = 0; seed < episodes; seed++) {
      env.reset(seed);
      for (;;) {
        steps++;
        const r = env.step(rng.int(2));
        if (r.terminated || r.truncated) break;
      }
    }
    const mean = steps / episodes;
    assert.ok(mean >= 19 && mean <= 25, `mean episode length ${mean}`);
  });
});
