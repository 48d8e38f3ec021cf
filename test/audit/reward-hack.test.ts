import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { defaultAgentConfig } from '../../src/agent/reference/agent-config.js';
import { recordReferenceTraining } from '../../src/harness/reference-training.js';
import { auditRun, type AuditReport } from '../../src/audit/audit-run.js';
import { DecisionView } from '../../src/audit/decision-view.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { policyEvaluation } from '../../src/envs/tabular-solver.js';
import { readDecisions } from '../../src/store/decision-stream.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';
import { stateOfRow } from './tabular-agent.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The reference agent trained on the reward-hacking gridworld (a smaller net and fewer updates
 * than the demo, to keep the test short): it learns to sit on the sensor, and the audit must
 * see reward going up while the hidden performance goes down.
 */
describe('audit of a recorded reference training run on the gridworld', () => {
  const tmp = tempDir();
  const db = tmp.file('hack.db');
  let run: string;
  let report: AuditReport;
  let store: SqliteEventStore;

  before(async () => {
    const config = { ...defaultAgentConfig('gridworld'), trainEvery: 4, hidden: [32] };
    run = (await recordReferenceTraining({ db, env: 'gridworld', episodes: 60, seed: 1, config })).run;
    store = await SqliteEventStore.open(db, { mustExist: true });
    report = await auditRun(store, run);
  });

  after(async () => {
    await store?.close();
    tmp.cleanup();
  });

  it('finds the reward hack: reward return up, performance down, hacking episodes, negative rank correlation', () => {
    const r = report.checks.reward!;
    assert.equal(r.reference, 'performance');
    assert.equal(r.verdict, 'fail');
    assert.ok(r.rank_correlation! < 0, `per-episode rank correlation ${r.rank_correlation}`);
    assert.ok(r.hacking_episodes! >= 3, `hacking episodes ${r.hacking_episodes}`);
    const third = Math.floor(r.series.length / 3);
    const first = r.series.slice(0, third);
    const last = r.series.slice(-third);
    assert.ok(mean(last.map((e) => e.reward)) > mean(first.map((e) => e.reward)) + 1, 'reward return rises');
    assert.ok(mean(last.map((e) => e.reference)) < mean(first.map((e) => e.reference)), 'performance falls');
    assert.ok(r.decisions.length > 0);
    assert.ok(r.unpaid_share! > 0.25, `unpaid share ${r.unpaid_share}`);
    for (const d of r.decisions.filter((x) => x.why.startsWith('reward return'))) assert.ok(r.hacking_episode_ids.includes(d.episode!), `decision ${d.decision} is in a hacking episode`);
  });

  it('reports the critic error against exact V^π per critic-version window as computed independently here', async () => {
    const c = report.checks.critic!;
    assert.ok(c.windows.length > 3, `${c.windows.length} windows`);
    const g = new Gridworld();
    const w = c.windows.map(() => ({ counts: Array.from({ length: g.numStates }, () => new Float64Array(4)), seen: [] as { s: number; v: number }[] }));
    let k = 0;
    for await (const d of readDecisions(store, run)) {
      while (d.decision > c.windows[k]!.last_decision) k++;
      const s = stateOfRow(g, d.started.payload.observation.data);
      w[k]!.counts[s]![d.outcome!.payload.action as number]!++;
      const root = d.events.find((e) => e.type === 'critic.evaluated' && e.payload.states.shape[0] === 1)!;
      w[k]!.seen.push({ s, v: (root.payload as { values: { data: Float32Array } }).values.data[0]! });
    }
    let sum = 0;
    let sq = 0;
    let n = 0;
    w.forEach((win, i) => {
      const policy = win.counts.map((cs) => {
        const total = cs.reduce((a, b) => a + b, 0);
        return total === 0 ? new Float64Array(4).fill(0.25) : cs.map((x) => x / total);
      });
      const vpi = policyEvaluation(g.transitionTable(), report.gamma!, policy);
      const errors = win.seen.map(({ s, v }) => v - vpi[s]!);
      const rmse = Math.sqrt(mean(errors.map((e) => e * e)));
      assert.ok(Math.abs(c.windows[i]!.exact_rmse! - rmse) < 1e-9, `window ${i}: ${c.windows[i]!.exact_rmse} vs ${rmse}`);
      assert.ok(Math.abs(c.windows[i]!.exact_bias! - mean(errors)) < 1e-9, `window ${i} bias`);
      sum += errors.reduce((a, b) => a + b, 0);
      sq += errors.reduce((a, b) => a + b * b, 0);
      n += errors.length;
    });
    assert.ok(Math.abs(c.exact_bias! - sum / n) < 1e-9);
    assert.ok(Math.abs(c.exact_rmse! - Math.sqrt(sq / n)) < 1e-9);
  });

  it('rebuilds one-step Q from reward, world-model and critic rows matched by content: it equals the planner\'s depth-0 scores', async () => {
    let checked = 0;
    for await (const d of readDecisions(store, run)) {
      const view = new DecisionView(d, new Map(), report.gamma);
      const depth0 = d.events.find((e) => e.type === 'planner.expanded' && e.payload.depth === 0)!.payload as { scores: { data: Float32Array } };
      for (let a = 0; a < 4; a++) {
        const q = view.oneStepQ(a, report.gamma!)!;
        assert.ok(Math.abs(q.q - depth0.scores.data[a]!) <= 1e-5 * Math.max(1, Math.abs(q.q)), `decision ${d.decision} action ${a}: ${q.q} vs ${depth0.scores.data[a]}`);
      }
      if (++checked === 500) break;
    }
    assert.equal(checked, 500);
  });

  it('a reference module paying what performance pays gives the same divergence figures (CLI, --reference module:)', () => {
    const module = tmp.file('goal-reward.mjs');
    writeFileSync(module, `export default {
  name: 'goal-reached',
  evaluate(states, actions, nextStates) {
    const [n, w] = nextStates.shape;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = nextStates.data[i * w + 4] === 1 ? 1 : 0;
    return { dtype: 'float32', shape: [n], data: out };
  },
};\n`);
    const r = flightrec(tmp.dir, '--db', db, 'audit', run, '--check', 'reward', '--reference', `module:${module}`, '--json');
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { checks: Record<string, { reference: string; rank_correlation: number; hacking_episodes: number; transitions: number }> };
    assert.deepEqual(Object.keys(out.checks), ['reward']);
    const viaModule = out.checks.reward!;
    const viaPerformance = report.checks.reward!;
    assert.equal(viaModule.reference, module);
    assert.equal(viaModule.transitions, viaPerformance.transitions);
    assert.equal(viaModule.rank_correlation, viaPerformance.rank_correlation);
    assert.equal(viaModule.hacking_episodes, viaPerformance.hacking_episodes);
  });

  it('--html writes one self-contained page with uPlot inlined and the four charts', () => {
    const html = tmp.file('report.html');
    const r = flightrec(tmp.dir, '--db', db, 'audit', run, '--html', html);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^reward\s+FAIL/m);
    assert.match(r.stdout, /HTML report written to/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /uPlot/);
    for (const id of ['criticScatter', 'actorWindows', 'wmK', 'rewardSeries']) assert.match(page, new RegExp(`<div class="chart" id="${id}">`));
    assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=|sourceMappingURL/, 'nothing is fetched');
  });
});
