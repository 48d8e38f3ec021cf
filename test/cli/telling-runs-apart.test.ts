import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp-database.js';
import { flightrec } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GOAL_REWARD = fileURLToPath(new URL('../../../examples/goal-reward.mjs', import.meta.url));

interface Listed {
  id: string;
  name: string;
  kind: string;
  source_run: string | null;
  overrides: string[];
}

/** `runs` tells a training run from its replays and says what each replay changed; replay and diff name actions as `show` does. */
describe('telling runs apart', () => {
  const tmp = tempDir();
  const db = tmp.file('demo.db');
  let run = '';
  let openLoop = '';
  let replayOut = '';
  before(() => {
    const demo = flightrec(ROOT, 'demo', '--episodes', '3', '--seed', '1', '--db', db, '--json');
    assert.equal(demo.code, 0, demo.stderr);
    run = (JSON.parse(demo.stdout) as { run: string }).run;
    const replay = flightrec(ROOT, 'replay', run, '--swap', `reward=module:${GOAL_REWARD}`, '--db', db);
    assert.equal(replay.code, 0, replay.stderr);
    replayOut = replay.stdout;
    openLoop = /derived run (\S+)/.exec(replay.stdout)![1]!;
    const closed = flightrec(ROOT, 'replay', run, '--closed-loop', '--from', '3', '--steps', '2', '--set', 'planner.horizon=1', '--db', db);
    assert.equal(closed.code, 0, closed.stderr);
  });
  after(() => tmp.cleanup());

  const listed = (...args: string[]) => {
    const r = flightrec(ROOT, 'runs', '--db', db, '--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Listed[];
  };

  it('runs shows each run\'s kind and overrides beside its name', () => {
    const r = flightrec(ROOT, 'runs', '--db', db);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID\s+NAME\s+KIND\s+STATUS\s+.*SOURCE_RUN\s+OVERRIDES$/);
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /closed-loop replay of \S+ from decision 3\s+closed-loop\s+completed .*from decision 3 planner\.horizon=1$/);
    assert.match(rows[1]!, new RegExp(`^${openLoop}\\s+open-loop replay of ${run}\\s+open-loop\\s+completed .*reward=module:\\S*goal-reward\\.mjs$`));
    assert.match(rows[2]!, new RegExp(`^${run}\\s+gridworld reference agent\\s+training\\s+completed .*-\\s+-$`));
    assert.deepEqual(listed().map((x) => x.kind), ['closed-loop', 'open-loop', 'training']);
    assert.deepEqual(listed()[0]!.overrides, ['from decision 3', 'planner.horizon=1']);
  });

  it('runs filters by --kind (a list) and --source', () => {
    assert.deepEqual(listed('--kind', 'training').map((x) => x.id), [run]);
    assert.deepEqual(listed('--kind', 'open-loop,training').map((x) => x.kind), ['open-loop', 'training']);
    assert.deepEqual(listed('--source', run).map((x) => x.kind), ['closed-loop', 'open-loop']);
    assert.deepEqual(listed('--source', openLoop), []);
    const bad = flightrec(ROOT, 'runs', '--db', db, '--kind', 'replayed');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid --kind "replayed": kinds are training, open-loop, closed-loop/);
  });

  it('runs shows a run brought in by import or copy as imported, saying from where, and --kind imported selects them', () => {
    const other = tmp.file('imported.db');
    const ndjson = tmp.file('open-loop.ndjson');
    assert.equal(flightrec(ROOT, 'export', openLoop, '--out', ndjson, '--db', db).code, 0);
    const imported = flightrec(ROOT, 'import', ndjson, '--db', other);
    assert.equal(imported.code, 0, imported.stderr);
    const copied = flightrec(ROOT, 'copy', db, other, '--run', run);
    assert.equal(copied.code, 0, copied.stderr);
    const r = flightrec(ROOT, 'runs', '--db', other, '--json');
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as Listed[];
    assert.deepEqual(runs.map((x) => [x.id, x.kind]), [[run, 'imported'], [openLoop, 'imported']]);
    assert.deepEqual(runs[0]!.overrides, [`imported from ${db}`]);
    assert.deepEqual(runs[1]!.overrides.slice(0, 2), [`imported from ${ndjson}`, 'was open-loop']);
    assert.match(runs[1]!.overrides[2]!, /^reward=module:\S*goal-reward\.mjs$/);
    const table = flightrec(ROOT, 'runs', '--db', other, '--kind', 'imported');
    assert.match(table.stdout.trimEnd().split('\n')[2]!, new RegExp(`^${openLoop}\\s.*\\simported\\s+completed .*imported from \\S+open-loop\\.ndjson was open-loop reward=`));
    assert.deepEqual(listed('--kind', 'imported'), [], 'the runs recorded here are not imported');
  });

  it('the diff report says an open-loop run has no episode returns instead of charting nothing for it', () => {
    const out = tmp.file('diff.html');
    const r = flightrec(ROOT, 'diff', run, openLoop, '--db', db, '--html', out);
    assert.equal(r.code, 1, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.match(html, new RegExp(`<p class="note">run B has no episode returns: it is derived from ${run}; an open-loop replay re-decides recorded states and ends no episode</p>`));
    assert.doesNotMatch(html, /"label":"return B \(/, 'no legend entry for a line that is not drawn');
    assert.match(html, /"label":"return A \(/);
  });

  it('replay and diff print flips with the environment\'s action names', () => {
    assert.match(replayOut, /action (up|down|left|right) → (up|down|left|right), value/);
    assert.doesNotMatch(replayOut, /action \d+ → \d+/);
    const diff = flightrec(ROOT, 'diff', run, openLoop, '--db', db);
    assert.match(diff.stdout, /first: \(\d+, \d+\) A#\d+ (up|down|left|right) → B#\d+ (up|down|left|right)/);
  });
});
