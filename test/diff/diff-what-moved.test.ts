import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffRuns } from '../../src/diff/diff-runs.js';
import type { DiffReport } from '../../src/diff/diff-report.js';
import { diffCharts } from '../../src/diff/render-diff-html.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GOAL_REWARD = fileURLToPath(new URL('../../../examples/goal-reward.mjs', import.meta.url));

/**
 * A diff charts what changed (issue 17, item 7): a reward swap moves rewards and the chosen
 * value, not the critic, so those are the lines of the first chart; the swapped-in component is
 * paired with the one it replaced by role.
 */
describe('diff of a reward swap: what moved, paired by role', () => {
  const tmp = tempDir();
  const db = tmp.file('swap.db');
  let run = '';
  let derived = '';
  let report: DiffReport;

  before(async () => {
    const demo = flightrec(ROOT, 'demo', '--episodes', '3', '--seed', '1', '--db', db, '--json');
    assert.equal(demo.code, 0, demo.stderr);
    run = (JSON.parse(demo.stdout) as { run: string }).run;
    const replay = flightrec(ROOT, 'replay', run, '--swap', `reward=module:${GOAL_REWARD}`, '--db', db);
    assert.equal(replay.code, 0, replay.stderr);
    derived = /derived run (\S+)/.exec(replay.stdout)![1]!;
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      report = await diffRuns({ store, run }, { store, run: derived });
    } finally {
      await store.close();
    }
  });
  after(() => tmp.cleanup());

  it('the first chart draws the quantities that differ (reward, chosen value) and leaves out the critic, which did not move', () => {
    const [moved] = diffCharts(report);
    assert.deepEqual(moved!.series.map((s) => s.label), ['|Δ reward|', '|Δ chosen value|']);
    assert.match(moved!.title, /^what moved: \|Δ reward\|, \|Δ chosen value\|/);
    for (const s of moved!.series) assert.ok(s.values.some((v) => v !== null && v > 0), `${s.label} moved somewhere`);
    assert.equal(report.deltas.critic.root_value.differing, 0, 'a reward swap leaves V at the real state alone');
    const channels = report.series.decisions.channels;
    assert.ok(channels['delta_critic.root_value']!.every((v) => v === 0), 'charted as data too: 0 everywhere');
    // Per decision, per bucket, the reward channel's mean agrees with the run-wide mean |Δ reward| in size.
    const rewards = channels['delta_reward.rewards']!.filter((v): v is number => v !== null);
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    assert.ok(Math.abs(mean - report.deltas.reward.rewards.mean_abs!) < 0.5 * report.deltas.reward.rewards.mean_abs!, `bucket mean ${mean} vs ${report.deltas.reward.rewards.mean_abs}`);
  });

  it('the versions table pairs the swapped-in goal_reward with the reward it replaced, by role', () => {
    assert.deepEqual(report.versions.map((v) => [v.component, v.component_b, v.role]), [['reward', 'goal_reward', 'reward']]);
    assert.equal(report.versions[0]!.differing, report.aligned);
    assert.equal(report.versions[0]!.first?.b, 'goal-reward-v1');
    assert.ok(report.versions[0]!.first?.a, 'A\'s version of its reward');
    const text = flightrec(ROOT, 'diff', run, derived, '--db', db);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /^ {2}COMPONENT\s+ROLE\s+DECISIONS\s+FIRST AT\s+A\s+B$/m);
    assert.match(text.stdout, /^ {2}reward → goal_reward\s+reward\s+\d[\d,]*\s+\(0, 0\)\s+[0-9a-f]{16}\s+goal-reward-v1$/m);
    assert.doesNotMatch(text.stdout, /^ {2}goal_reward\s/m);
  });

  it('the HTML report names flipped actions as the text report does', () => {
    const html = tmp.file('diff.html');
    const r = flightrec(ROOT, 'diff', run, derived, '--db', db, '--html', html);
    assert.equal(r.code, 1, r.stderr);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /first: \(\d+, \d+\) A#\d+ (up|down|left|right) → B#\d+ (up|down|left|right)/);
    assert.match(r.stdout, /first: \(\d+, \d+\) A#\d+ (up|down|left|right) → B#\d+ (up|down|left|right)/);
  });
});
