import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { auditRun } from '../../src/audit/audit-run.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { policyEvaluation, valueIteration } from '../../src/envs/tabular-solver.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { recordFixture } from '../cli/record-fixture.js';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';
import { ExactWorldModel, OneStepPlanner, recordTabularRun, TableCritic, TableReward, UniformActor } from './tabular-agent.js';

const REQUIRED: Record<string, string[]> = {
  critic: ['bias', 'rmse', 'explained_variance'],
  actor: ['agreement', 'mean_regret'],
  world_model: ['one_step_error', 'optimism'],
  reward: ['rank_correlation', 'hacking_episodes'],
};

describe('flightrec audit (CLI)', () => {
  const tmp = tempDir();
  const db = tmp.file('audit.db');
  const cli = (...args: string[]) => flightrec(tmp.dir, '--db', db, 'audit', ...args);

  before(async () => {
    const g = new Gridworld({ slip: 0.1 });
    const toGoal = valueIteration(g.transitionTable(), 0.95, { signal: 'performance' }).policy;
    await recordTabularRun({
      db, id: 'goal', episodes: 80, seed: 2, gamma: 0.95, horizon: 1, slip: 0.1,
      worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g),
      critic: new TableCritic('critic', g, policyEvaluation(g.transitionTable(), 0.95, toGoal)), actor: new UniformActor(), planner: new OneStepPlanner(g, 0.95, 0, toGoal),
    });
    await recordFixture(db, 'bare', { decisions: 30 });
  });

  after(() => tmp.cleanup());

  it('--json prints one object with every check and its figures as numbers or null', () => {
    const r = cli('goal', '--json');
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one line');
    const out = JSON.parse(r.stdout) as { run: string; checks: Record<string, Record<string, unknown>> };
    assert.equal(out.run, 'goal');
    assert.deepEqual(Object.keys(out.checks), ['critic', 'actor', 'world_model', 'reward']);
    for (const [check, keys] of Object.entries(REQUIRED)) {
      for (const k of keys) assert.ok(out.checks[check]![k] === null || typeof out.checks[check]![k] === 'number', `${check}.${k} = ${String(out.checks[check]![k])}`);
      assert.match(String(out.checks[check]!.verdict), /^(pass|warn|fail|not_available)$/);
      assert.ok(Array.isArray(out.checks[check]!.decisions));
    }
    assert.equal(r.code, Object.values(out.checks).some((c) => c.verdict === 'fail') ? 1 : 0, 'exit 1 exactly when a check fails');
  });

  it('--check selects audits; a passing audit exits 0 with the verdict first in the text', () => {
    const r = cli('goal', '--check', 'critic');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^audit of run goal: gridworld, 80 episodes, \d+ decisions, γ 0\.95$/);
    assert.match(lines[2]!, /^CHECK\s+VERDICT\s+JUDGED FIGURES \(whole run in parentheses\)$/);
    assert.match(lines[3]!, /^critic\s+pass\s+bias -?0\.0\d\d \(run -?0\.0\d\d\)\s+rmse/);
    assert.doesNotMatch(r.stdout, /^actor/m);
  });

  it('an unknown check exits 2 and lists the valid ones', () => {
    const r = cli('goal', '--check', 'critic,nope');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /unknown check "nope"; valid checks: critic, actor, world-model, reward/);
  });

  it('an unknown run exits 2', () => {
    const r = cli('no-such-run');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /run not found: no-such-run/);
  });

  it('a bad --reference exits 2: unknown form, missing module, module without evaluate, performance the run lacks', () => {
    const bad = cli('goal', '--reference', 'oracle');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid --reference "oracle": use one of performance, module:<path>/);
    const missing = cli('goal', '--reference', `module:${tmp.file('nope.mjs')}`);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--reference module not found/);
    const empty = tmp.file('empty.mjs');
    writeFileSync(empty, 'export const x = 1;\n');
    const noEvaluate = cli('goal', '--reference', `module:${empty}`);
    assert.equal(noEvaluate.code, 2);
    assert.match(noEvaluate.stderr, /must export \(default, or as `reward`\) an object with evaluate/);
    const noPerformance = cli('bare', '--gamma', '0.9', '--reference', 'performance');
    assert.equal(noPerformance.code, 2);
    assert.match(noPerformance.stderr, /recorded no performance signal/);
  });

  it('a run without a discount needs --gamma; with it, what the run lacks is not_available, not an error', () => {
    const r = cli('bare');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /records no discount .* pass --gamma/);
    assert.equal(cli('bare', '--gamma', '2').code, 2);
    const ok = cli('bare', '--gamma', '0.9', '--json');
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { gamma: number; checks: Record<string, { verdict: string; notes: string[] }> };
    assert.equal(out.gamma, 0.9);
    for (const c of Object.values(out.checks)) assert.equal(c.verdict, 'not_available');
    assert.ok(out.checks.critic!.notes.some((n) => /no critic row at their observation/.test(n)));
    assert.ok(out.checks.reward!.notes.some((n) => /no hidden performance signal/.test(n)));
  });

  it('auditRun takes a re-decision function (the replay extension point) and counts the decisions that flip', async () => {
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      let rights = 0; // decisions that went right, re-decided as down
      const report = await auditRun(store, 'goal', {
        checks: ['reward'],
        reDecide: async (view, reference) => {
          assert.equal(reference.kind, 'performance');
          if (view.action === 1) rights++;
          return view.action === 1 ? 2 : view.action;
        },
      });
      assert.deepEqual(report.checks.reward!.flips, { decided: report.decisions, flipped: rights });
      assert.ok(rights > 0);
    } finally {
      await store.close();
    }
  });
});
