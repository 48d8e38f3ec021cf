import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BeamPlanner } from '../../src/agent/reference/beam-planner.js';
import { actorConsistencyReport } from '../../src/audit/actor-consistency-report.js';
import { auditRun, type AuditReport } from '../../src/audit/audit-run.js';
import { criticCalibrationReport } from '../../src/audit/critic-calibration-report.js';
import { formatFigure as f } from '../../src/audit/format-figure.js';
import { worldModelReport } from '../../src/audit/world-model-report.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { valueIteration } from '../../src/envs/tabular-solver.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';
import { ExactWorldModel, OneStepPlanner, recordTabularRun, TableCritic, TableReward, UniformActor } from './tabular-agent.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GAMMA = 0.95;

/**
 * The audit reports agree with their verdicts (issue 17, item 6): the figures beside a verdict
 * are the ones it judged, a derived run says what it is, and the world-model chart shows what the
 * planner imagined step by step up to its horizon.
 */
describe('audit reports show what the verdicts judged', () => {
  const tmp = tempDir();
  const db = tmp.file('reports.db');
  let store: SqliteEventStore;
  const audits = new Map<string, AuditReport>();
  const audit = async (run: string): Promise<AuditReport> => {
    if (!audits.has(run)) audits.set(run, await auditRun(store, run));
    return audits.get(run)!;
  };

  before(async () => {
    const g = new Gridworld();
    const vStar = valueIteration(g.transitionTable(), GAMMA).V;
    await recordTabularRun({
      db, id: 'actor-p30', episodes: 60, seed: 5, gamma: GAMMA, horizon: 1, slip: 0,
      worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g),
      critic: new TableCritic('critic', g, vStar), actor: new UniformActor(), planner: new OneStepPlanner(g, GAMMA, 0.3),
    });
    for (const [id, bonus] of [['wm-exact', [0, 0, 0, 0]], ['wm-optimistic', [0, 0, 0.5, 0]]] as const) {
      await recordTabularRun({
        db, id, episodes: 20, seed: 3, gamma: GAMMA, horizon: 3, slip: 0,
        worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g, bonus),
        critic: new TableCritic('critic', g, vStar), actor: new UniformActor(),
        planner: new BeamPlanner('planner', 4, { horizon: 3, beam: 8, gamma: GAMMA, epsilonStart: 0, epsilonDecay: 1, epsilonMin: 0 }),
      });
    }
    store = await SqliteEventStore.open(db, { mustExist: true });
  });

  after(async () => {
    await store?.close();
    tmp.cleanup();
  });

  it('the actor summary shows the final-window agreement the verdict judged, with the whole run beside it', async () => {
    const actor = (await audit('actor-p30')).checks.actor!;
    assert.ok(actor.final !== null);
    assert.equal(actor.reasons.find((r) => r.metric === 'final.agreement')?.value, actor.final.agreement);
    const summary = actorConsistencyReport.summary(actor);
    assert.equal(summary[0], `agreement ${f(actor.final.agreement)} (run ${f(actor.agreement)})`);
    const text = flightrec(ROOT, 'audit', 'actor-p30', '--check', 'actor', '--db', db);
    assert.match(text.stdout, /^CHECK\s+VERDICT\s+JUDGED FIGURES \(whole run in parentheses\)$/m);
    assert.match(text.stdout, new RegExp(`^actor\\s+\\S+\\s+agreement ${f(actor.final.agreement)} \\(run ${f(actor.agreement)}\\)`, 'm'));
  });

  it('the critic summary says which final-window figures the verdict left out, rather than showing them as judged', async () => {
    const critic = (await audit('actor-p30')).checks.critic!;
    const summary = criticCalibrationReport.summary(critic).join('  ');
    assert.ok(critic.final !== null);
    assert.match(summary, new RegExp(`^bias ${f(critic.final.bias)} \\(run ${f(critic.bias)}\\)`));
    for (const [label, metric] of [['expl.var', 'final.explained_variance'], ['spearman', 'final.rank_correlation']] as const) {
      const judged = critic.reasons.some((r) => r.metric === metric);
      assert.match(summary, new RegExp(`${label.replace('.', '\\.')} ${judged ? '-?\\d' : 'not judged'}`), summary);
    }
  });

  it('world model: imagined and realized return of the chosen plans by steps ahead, up to the horizon, and the chart draws them from k = 0', async () => {
    const exact = (await audit('wm-exact')).checks.world_model!;
    assert.deepEqual(exact.k_step.map((k) => k.k), [1, 2, 3]);
    for (const k of exact.k_step) {
      assert.ok(k.imagined_return !== null && k.realized_return !== null);
      assert.ok(Math.abs(k.imagined_return - k.realized_return) < 1e-5, `exact model at k=${k.k}: imagined ${k.imagined_return}, realized ${k.realized_return}`);
    }
    const optimistic = (await audit('wm-optimistic')).checks.world_model!;
    const last = optimistic.k_step[optimistic.k_step.length - 1]!;
    assert.ok(last.imagined_return! - last.realized_return! > 0.3, `a planted reward bonus: imagined ${last.imagined_return} vs realized ${last.realized_return}`);
    const [chart] = worldModelReport.charts(optimistic);
    assert.deepEqual(chart!.x, [0, 1, 2, 3]);
    assert.match(chart!.title, /up to its horizon \(3 steps\)/);
    const imagined = chart!.series.find((s) => s.label === 'imagined return')!;
    const realized = chart!.series.find((s) => /^realized return/.test(s.label))!;
    assert.deepEqual(imagined.values, [0, ...optimistic.k_step.map((k) => k.imagined_return)]);
    assert.deepEqual(realized.values, [0, ...optimistic.k_step.map((k) => k.realized_return)]);
    assert.ok(chart!.series.every((s) => s.style !== 'bars'), 'lines over k, not one bar per k');
  });

  it('an audit of an open-loop replay says what it is: the source run, what was swapped, and the source episodes its decisions come from', () => {
    const demoDb = tmp.file('demo.db');
    const demo = flightrec(ROOT, 'demo', '--episodes', '2', '--seed', '1', '--db', demoDb, '--json');
    assert.equal(demo.code, 0, demo.stderr);
    const run = (JSON.parse(demo.stdout) as { run: string; decisions: number }).run;
    const replay = flightrec(ROOT, 'replay', run, '--set', 'planner.horizon=1', '--db', demoDb);
    assert.equal(replay.code, 0, replay.stderr);
    const derived = /derived run (\S+)/.exec(replay.stdout)![1]!;
    const json = flightrec(ROOT, 'audit', derived, '--db', demoDb, '--json');
    const report = JSON.parse(json.stdout) as AuditReport;
    assert.equal(report.kind, 'open-loop');
    assert.equal(report.source_run, run);
    assert.deepEqual(report.overrides, ['planner.horizon=1']);
    assert.equal(report.episodes, 2, 'the decisions of 2 source episodes, not one episode per decision');
    const text = flightrec(ROOT, 'audit', derived, '--db', demoDb);
    const first = text.stdout.split('\n')[0]!;
    assert.equal(first, `audit of run ${derived}: open-loop replay of ${run} (planner.horizon=1), gridworld: ${report.decisions} decisions of 2 recorded episodes, each re-decided alone from the recorded state (no outcomes, returns or episodes of its own), γ 0.95`);
    const source = JSON.parse(flightrec(ROOT, 'audit', run, '--db', demoDb, '--json').stdout) as AuditReport;
    assert.equal(source.kind, 'training');
    assert.equal(source.episodes, 2);
  });
});
