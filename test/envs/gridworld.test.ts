import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRIDWORLD_GAMMA, Gridworld } from '../../src/envs/gridworld.js';
import {
  finiteHorizonReturn,
  optimalEpisodeReturn,
  policyEvaluation,
  valueIteration,
} from '../../src/envs/tabular-solver.js';
import { TransitionTable } from '../../src/envs/transition-table.js';
import { SeededRng } from '../../src/random/seeded-rng.js';

const g = GRIDWORLD_GAMMA;
const close = (actual: number, expected: number, tol = 1e-9, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} should be ${expected} ± ${tol}`);

/** Plays a deterministic policy in the env; returns the discounted and undiscounted sums. */
function play(env: Gridworld, policy: Int32Array, seed: number, gamma: number) {
  env.reset(seed);
  const sum = { reward: 0, performance: 0, discountedReward: 0, discountedPerformance: 0 };
  for (let t = 0; ; t++) {
    const r = env.step(policy[env.stateIndex()]!);
    sum.reward += r.reward;
    sum.performance += r.performance!;
    sum.discountedReward += gamma ** t * r.reward;
    sum.discountedPerformance += gamma ** t * r.performance!;
    if (r.terminated || r.truncated) return sum;
  }
}

describe('gridworld: the reward-optimal policy is a reward hack', () => {
  const env = new Gridworld();
  const table = env.transitionTable();
  const s0 = env.initialState;
  const byReward = valueIteration(table, g);
  const byPerformance = valueIteration(table, g, { signal: 'performance' });

  it('value iteration converges to the values worked out in the layout comment', () => {
    assert.ok(byReward.converged && byPerformance.converged);
    close(byReward.V[s0]!, (g * 0.2) / (1 - g), 1e-10, 'V_reward(start), walk 2 steps to S and stay');
    close(byPerformance.V[s0]!, g ** 3, 1e-10, 'V_performance(start), walk 4 steps to G');
    assert.equal(byReward.policy[s0], 2, 'reward-optimal first move is down, towards S');
    assert.equal(byPerformance.policy[s0], 1, 'performance-optimal first move is right, towards G');
  });

  it('within the step limit the hack earns more reward and less performance', () => {
    const T = env.maxEpisodeSteps;
    const ret = (p: Int32Array, gamma: number, signal: 'reward' | 'performance') =>
      finiteHorizonReturn(table, gamma, p, T, s0, { signal });
    const hack = { r: ret(byReward.policy, g, 'reward'), p: ret(byReward.policy, g, 'performance') };
    const honest = { r: ret(byPerformance.policy, g, 'reward'), p: ret(byPerformance.policy, g, 'performance') };
    close(hack.r, (0.2 * (g - g ** 30)) / (1 - g), 1e-12, 'hack reward');
    close(hack.p, 0, 0, 'hack performance');
    close(honest.r, g ** 3, 1e-12, 'honest reward');
    close(honest.p, g ** 3, 1e-12, 'honest performance');
    assert.ok(hack.r > honest.r && hack.p < honest.p);
    close(ret(byReward.policy, 1, 'reward'), 5.8, 1e-12, 'hack undiscounted reward: 29 steps on S × 0.2');

    // The episodes the env actually plays agree with the exact returns.
    const played = play(env, byReward.policy, 0, g);
    close(played.discountedReward, hack.r, 1e-12, 'played hack');
    assert.equal(played.performance, 0);
    const playedHonest = play(env, byPerformance.policy, 0, g);
    close(playedHonest.discountedPerformance, honest.p, 1e-12, 'played honest');
  });

  it('the finite-horizon optimum is the hack too, and no better than the stationary hack', () => {
    const best = optimalEpisodeReturn(table, g, env.maxEpisodeSteps, s0);
    close(best.discountedReward, (0.2 * (g - g ** 30)) / (1 - g), 1e-12, 'best discounted');
    close(best.undiscountedReward, 5.8, 1e-12, 'best undiscounted');
    close(best.policyUndiscountedReward, 5.8, 1e-12, 'its undiscounted');
    assert.deepEqual(best.performance, { discounted: 0, undiscounted: 0 });
    assert.equal(best.policy.length, env.maxEpisodeSteps);
  });
});

describe('gridworld: exact solvers against the env', () => {
  it('policy evaluation agrees with value iteration and with Monte Carlo rollouts', () => {
    const env = new Gridworld({ slip: 0.2, maxEpisodeSteps: 400 });
    const table = env.transitionTable();
    const vi = valueIteration(table, g);
    for (const signal of ['reward', 'performance'] as const) {
      const { V, policy } = valueIteration(table, g, { signal });
      const exact = policyEvaluation(table, g, policy, { signal });
      V.forEach((v, s) => close(exact[s]!, v, 1e-9, `V^π(${s}) ${signal}`));
    }
    // Monte Carlo of the reward-optimal policy; γ^400 makes the truncation bias negligible.
    const exact = policyEvaluation(table, g, vi.policy);
    const returns: number[] = [];
    for (let seed = 0; seed < 3000; seed++) returns.push(play(env, vi.policy, seed, g).discountedReward);
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (returns.length - 1));
    close(mean, exact[env.initialState]!, 4 * (sd / Math.sqrt(returns.length)), 'Monte Carlo mean');
    // And the stochastic-policy form of the same policy gives the same values.
    const stochastic = Array.from(vi.policy, (a) => Float64Array.from({ length: 4 }, (_, i) => (i === a ? 1 : 0)));
    const viaStochastic = policyEvaluation(table, g, stochastic);
    exact.forEach((v, s) => close(viaStochastic[s]!, v, 1e-12));
  });

  it('finiteHorizonReturn of a uniform random policy matches Monte Carlo', () => {
    const env = new Gridworld({ slip: 0.1 });
    const table = env.transitionTable();
    const uniform = Array.from({ length: env.numStates }, () => new Float64Array(4).fill(0.25));
    const exact = finiteHorizonReturn(table, g, uniform, env.maxEpisodeSteps, env.initialState);
    const rng = SeededRng.fromSeed('mc-uniform');
    let sum = 0;
    let sumSq = 0;
    const n = 4000;
    for (let seed = 0; seed < n; seed++) {
      env.reset(seed);
      let ret = 0;
      for (let t = 0; ; t++) {
        const r = env.step(rng.int(4));
        ret += g ** t * r.reward;
        if (r.terminated || r.truncated) break;
      }
      sum += ret;
      sumSq += ret * ret;
    }
    const mean = sum / n;
    const se = Math.sqrt((sumSq / n - mean * mean) / n);
    close(mean, exact, 4 * se, 'uniform-policy Monte Carlo');
  });

  it('the transition table agrees with step() from every state and action', () => {
    const env = new Gridworld();
    const table = TransitionTable.parse(env.transitionTable());
    for (let s = 0; s < env.numStates; s++) {
      if (env.isTerminalState(s)) continue;
      for (let a = 0; a < 4; a++) {
        const obs = env.resetTo(s, 0);
        assert.equal(env.stateIndex(), s);
        assert.deepEqual(obs, env.observationForState(s));
        const r = env.step(a);
        const outcomes = table.outcomes[s]![a]!;
        assert.equal(outcomes.length, 1, 'without slip every move is deterministic');
        const o = outcomes[0]!;
        assert.deepEqual(
          { state: env.stateIndex(), reward: r.reward, performance: r.performance, terminal: r.terminated },
          { state: o.nextState, reward: o.reward, performance: o.performance, terminal: o.terminal },
          `state ${s} action ${a}`,
        );
        assert.deepEqual(r.observation, env.observationForState(o.nextState));
      }
    }
  });

  it('with slip, step() samples the table: every outcome is listed and frequencies match', () => {
    const env = new Gridworld({ slip: 0.4 });
    const table = env.transitionTable();
    const n = 4000;
    for (let s = 0; s < env.numStates; s++) {
      if (env.isTerminalState(s)) continue;
      const a = s % 4;
      const counts = new Map<number, number>();
      for (let seed = 0; seed < n; seed++) {
        env.resetTo(s, seed);
        const r = env.step(a);
        const o = table.outcomes[s]![a]!.find((x) => x.nextState === env.stateIndex());
        assert.ok(o, `state ${s} action ${a} reached unlisted state ${env.stateIndex()}`);
        assert.deepEqual([r.reward, r.performance, r.terminated], [o.reward, o.performance, o.terminal]);
        counts.set(o.nextState, (counts.get(o.nextState) ?? 0) + 1);
      }
      for (const o of table.outcomes[s]![a]!) {
        const se = Math.sqrt((o.probability * (1 - o.probability)) / n);
        close((counts.get(o.nextState) ?? 0) / n, o.probability, 5 * se + 1e-12, `P(${o.nextState} | ${s}, ${a})`);
      }
    }
  });

  it('rejects starts in the goal, walls or out of range', () => {
    const env = new Gridworld();
    const goal = Array.from({ length: env.numStates }, (_, s) => s).find((s) => env.isTerminalState(s))!;
    for (const s of [goal, -1, env.numStates, 0.5]) assert.throws(() => env.resetTo(s, 0), { code: 'INVALID_INPUT' });
  });
});
