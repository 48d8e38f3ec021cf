import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BeamPlanner } from '../../src/agent/reference/beam-planner.js';
import { auditRun, type AuditReport } from '../../src/audit/audit-run.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { policyEvaluation, valueIteration } from '../../src/envs/tabular-solver.js';
import { readDecisions } from '../../src/store/decision-stream.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { tempDir } from '../helpers/temp-database.js';
import { ExactWorldModel, OneStepPlanner, recordTabularRun, stateOfRow, TableCritic, TableReward, UniformActor } from './tabular-agent.js';

const GAMMA = 0.95;

/**
 * Each audit against a run where the fault it looks for was planted with a known size, recorded
 * with the real Recorder into SQLite: the audit must measure that size, and not see a fault in
 * the same run without it.
 */
describe('audits measure planted faults', () => {
  const tmp = tempDir();
  const db = tmp.file('planted.db');
  let store: SqliteEventStore;
  const audits = new Map<string, AuditReport>();
  const planners = new Map<string, OneStepPlanner>();
  const audit = async (run: string): Promise<AuditReport> => {
    if (!audits.has(run)) audits.set(run, await auditRun(store, run));
    return audits.get(run)!;
  };

  before(async () => {
    const slippery = new Gridworld({ slip: 0.1 });
    const table = slippery.transitionTable();
    // A goal-seeking policy, and its exact value under the reward the env pays (the sensor included).
    const toGoal = valueIteration(table, GAMMA, { signal: 'performance' }).policy;
    const vToGoal = policyEvaluation(table, GAMMA, toGoal);
    for (const [id, offset] of [['critic-offset', 0.5], ['critic-exact', 0]] as const) {
      await recordTabularRun({
        db, id, episodes: 300, seed: 11, gamma: GAMMA, horizon: 1, slip: 0.1,
        worldModel: new ExactWorldModel('world_model', slippery), reward: new TableReward('reward', slippery),
        critic: new TableCritic('critic', slippery, vToGoal, offset), actor: new UniformActor(), planner: new OneStepPlanner(slippery, GAMMA, 0, toGoal),
      });
    }
    const g = new Gridworld();
    const vStar = valueIteration(g.transitionTable(), GAMMA).V;
    for (const [id, p] of [['actor-p30', 0.3], ['actor-greedy', 0]] as const) {
      const planner = new OneStepPlanner(g, GAMMA, p);
      planners.set(id, planner);
      await recordTabularRun({
        db, id, episodes: 60, seed: 5, gamma: GAMMA, horizon: 1, slip: 0,
        worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g),
        critic: new TableCritic('critic', g, vStar), actor: new UniformActor(), planner,
      });
    }
    for (const [id, bonus, envId] of [['wm-optimistic', [0, 0, 0.5, 0], 'gridworld'], ['wm-exact', [0, 0, 0, 0], 'gridworld'], ['wm-optimistic-own-env', [0, 0, 0.5, 0], 'my-grid']] as const) {
      await recordTabularRun({
        db, id, envId, episodes: 20, seed: 3, gamma: GAMMA, horizon: 3, slip: 0,
        worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g, bonus),
        critic: new TableCritic('critic', g, vStar), actor: new UniformActor(),
        planner: new BeamPlanner('planner', 4, { horizon: 3, beam: 8, gamma: GAMMA, epsilonStart: 0, epsilonDecay: 1, epsilonMin: 0 }),
      });
    }
    // A three-step beam search taking a random action on 30% of decisions: what the actor audit's
    // multi-step yardstick must see, where the planner maximises Q over its search, not one step.
    await recordTabularRun({
      db, id: 'beam-eps30', episodes: 40, seed: 7, gamma: GAMMA, horizon: 3, slip: 0,
      worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g),
      critic: new TableCritic('critic', g, vStar), actor: new UniformActor(),
      planner: new BeamPlanner('planner', 4, { horizon: 3, beam: 8, gamma: GAMMA, epsilonStart: 0.3, epsilonDecay: 1, epsilonMin: 0.3 }),
    });
    store = await SqliteEventStore.open(db, { mustExist: true });
  });

  after(async () => {
    await store?.close();
    tmp.cleanup();
  });

  it('critic: a critic offset by c = 0.5 from the exact V^π shows bias ≈ c; the exact one ≈ 0', async () => {
    const planted = (await audit('critic-offset')).checks.critic!;
    assert.ok(Math.abs(planted.bias! - 0.5) < 0.05, `bias ${planted.bias}`);
    assert.ok(Math.abs(planted.exact_bias! - 0.5) < 0.05, `exact bias ${planted.exact_bias}`);
    assert.equal(planted.verdict, 'fail', 'a bias of 0.5 against returns of spread ~0.1 fails');
    const exact = (await audit('critic-exact')).checks.critic!;
    assert.ok(Math.abs(exact.bias!) < 0.03, `bias ${exact.bias}`);
    assert.ok(Math.abs(exact.exact_bias!) < 0.03, `exact bias ${exact.exact_bias}`);
    assert.notEqual(exact.verdict, 'fail');
  });

  it('critic: the error against exact V^π equals policy evaluation of the same empirical policy, computed here', async () => {
    const critic = (await audit('critic-offset')).checks.critic!;
    assert.equal(critic.windows.length, 1, 'one critic version, one window');
    const g = new Gridworld({ slip: 0.1 });
    const counts = Array.from({ length: g.numStates }, () => new Float64Array(4));
    const seen: { s: number; v: number }[] = [];
    for await (const d of readDecisions(store, 'critic-offset')) {
      const s = stateOfRow(g, d.started.payload.observation.data);
      counts[s]![d.outcome!.payload.action as number]!++;
      const root = d.events.find((e) => e.type === 'critic.evaluated' && e.payload.states.shape[0] === 1)!;
      seen.push({ s, v: (root.payload as { values: { data: Float32Array } }).values.data[0]! });
    }
    const policy = counts.map((c) => {
      const total = c.reduce((a, b) => a + b, 0);
      return total === 0 ? new Float64Array(4).fill(0.25) : c.map((x) => x / total);
    });
    const vpi = policyEvaluation(g.transitionTable(), GAMMA, policy);
    const errors = seen.map(({ s, v }) => v - vpi[s]!);
    const bias = errors.reduce((a, b) => a + b, 0) / errors.length;
    const rmse = Math.sqrt(errors.reduce((a, b) => a + b * b, 0) / errors.length);
    assert.ok(Math.abs(critic.exact_bias! - bias) < 1e-9, `${critic.exact_bias} vs ${bias}`);
    assert.ok(Math.abs(critic.exact_rmse! - rmse) < 1e-9, `${critic.exact_rmse} vs ${rmse}`);
  });

  it('actor: a planner taking a non-maximising candidate on p = 0.3 of decisions shows agreement ≈ 0.7', async () => {
    const actor = (await audit('actor-p30')).checks.actor!;
    const planner = planners.get('actor-p30')!;
    assert.ok(Math.abs(actor.agreement! - 0.7) <= 0.05, `agreement ${actor.agreement}`);
    assert.equal(actor.n, planner.decisions);
    assert.ok(Math.abs(actor.agreement! - (1 - planner.deviations / planner.decisions)) < 1e-12, 'exactly the decisions that deviated');
    assert.ok(Math.abs(actor.mean_regret! - planner.regretSum / planner.decisions) < 1e-9, `mean regret ${actor.mean_regret}`);
    assert.equal(actor.verdict, 'fail');
    assert.ok(actor.decisions.length > 0 && actor.decisions.every((d) => d.value > 0), 'the listed decisions are non-maximising ones');
    const greedy = (await audit('actor-greedy')).checks.actor!;
    assert.equal(greedy.agreement, 1);
    assert.equal(greedy.mean_regret, 0);
    assert.equal(greedy.verdict, 'pass');
  });

  it('actor on a multi-step search: judged against Q over the search, rebuilt from the component rows; random choices on 30% of decisions fail it, the greedy search passes', async () => {
    const planted = (await audit('beam-eps30')).checks.actor!;
    assert.equal(planted.yardstick, 'lookahead');
    assert.ok(planted.lookahead !== null && planted.final?.lookahead != null);
    assert.equal(planted.lookahead.depth, 3);
    assert.equal(planted.lookahead.n, planted.n, 'every decision searched three steps and has a Q over its search');
    // The beam planner's recorded scores are Q over its search: the rebuilt Q picks out exactly the choices they do.
    assert.equal(planted.lookahead.agreement, planted.own_score_agreement);
    // ε = 0.3 picks uniformly among 4 actions, the maximising one among them (ties with it too).
    assert.ok(planted.lookahead.agreement < 0.85 && planted.lookahead.agreement > 0.7, `agreement ${planted.lookahead.agreement}`);
    assert.ok(planted.lookahead.mean_regret > 0);
    assert.deepEqual(planted.reasons.map((r) => r.metric), ['final.lookahead.agreement', 'final.lookahead.relative_regret']);
    assert.notEqual(planted.verdict, 'pass');
    assert.ok(planted.decisions.length > 0 && planted.decisions.every((d) => d.value > 0 && /3-step search/.test(d.why)));
    const greedy = (await audit('wm-exact')).checks.actor!;
    assert.equal(greedy.yardstick, 'lookahead');
    assert.equal(greedy.lookahead!.agreement, 1);
    assert.equal(greedy.lookahead!.mean_regret, 0);
    assert.equal(greedy.verdict, 'pass');
  });

  it('world model: a planted optimistic reward makes chosen plans optimistic, far more than the plans not chosen', async () => {
    const wm = (await audit('wm-optimistic')).checks.world_model!;
    assert.equal(wm.optimism_source, 'env-rollout');
    assert.ok(wm.optimism! > 0.5, `chosen-plan optimism ${wm.optimism}`);
    assert.ok(wm.optimism! - wm.optimism_non_chosen! > 0.3, `chosen ${wm.optimism} vs not chosen ${wm.optimism_non_chosen}`);
    assert.ok(wm.exploitation! > 0.3, `paired gap ${wm.exploitation}`);
    assert.equal(wm.verdict, 'fail');
    assert.ok(wm.decisions.length > 0 && wm.decisions[0]!.value > 0.5);
    const exact = (await audit('wm-exact')).checks.world_model!;
    assert.ok(Math.abs(exact.optimism!) < 1e-5 && Math.abs(exact.optimism_non_chosen!) < 1e-5, `exact model: ${exact.optimism}, ${exact.optimism_non_chosen}`);
    assert.equal(exact.one_step_error, 0);
    assert.deepEqual(exact.k_step.map((k) => [k.k, k.error]), [[1, 0], [2, 0], [3, 0]]);
    assert.equal(exact.verdict, 'pass');
  });

  it('world model on an env flightrec cannot restore: chosen-plan optimism from the trajectory, the rest not available', async () => {
    const report = await audit('wm-optimistic-own-env');
    const wm = report.checks.world_model!;
    assert.equal(wm.optimism_source, 'trajectory');
    assert.ok(wm.optimism! > 0.5, `chosen-plan optimism ${wm.optimism}`);
    assert.equal(wm.optimism_non_chosen, null);
    assert.ok(wm.notes.some((n) => /not built in/.test(n)));
    assert.equal(wm.k_step.length, 3);
    assert.equal(report.checks.critic!.exact_rmse, null, 'no exact V^π outside the tabular gridworld');
    assert.equal(report.checks.reward!.reference, 'performance', 'the recorded performance signal still serves');
  });
});
