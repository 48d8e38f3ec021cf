import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordYourAgent } from '../../examples/record-your-agent.js';
import { Recorder } from '../../src/record/recorder.js';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// A critic of the user's, written as a module, that thinks the sensor row is worth a lot.
const SENSOR_CRITIC = `export default {
  name: 'sensor_critic', role: 'critic', kind: 'user-module', version: () => 'sensor-v1',
  evaluate(states) {
    const n = states.shape[0], w = states.shape[1], out = new Float32Array(n);
    for (let i = 0; i < n; i++) for (let c = 10; c < 15; c++) out[i] += 5 * states.data[i * w + c];
    return { dtype: 'float32', shape: [n], data: out };
  },
};
`;

/** Runs the CLI in the repository root and parses its --json output. */
function json(...args: string[]): unknown {
  const r = flightrec(ROOT, ...args, '--json');
  assert.equal(r.code, 0, `flightrec ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

describe("a user's own agent (plain TypeScript, a tabular critic that learns online) goes through every replay command", () => {
  const tmp = tempDir();
  const db = tmp.file('mine.db');
  const critic = tmp.file('sensor-critic.mjs');
  let run = '';
  before(async () => {
    writeFileSync(critic, SENSOR_CRITIC);
    run = await recordYourAgent(db, 12);
  });
  after(() => tmp.cleanup());

  it('records its factory, discount, updates and checkpoints', async () => {
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      let started;
      for await (const e of readEventsOfType(store, run, 'run.started')) started = e;
      assert.match(started!.payload.agent ?? '', /^module:.*tabular-agent\.js$/);
      assert.equal(started!.payload.discount, 0.95);
      let updates = 0;
      for await (const e of readEventsOfType(store, run, 'component.updated')) {
        updates++;
        assert.equal(e.component, 'table_critic');
      }
      let checkpoints = 0;
      for await (const _ of readEventsOfType(store, run, 'checkpoint.saved')) checkpoints++;
      assert.ok(updates > 100, `${updates} updates`);
      assert.ok(checkpoints >= 3, `${checkpoints} checkpoints`);
    } finally {
      await store.close();
    }
  });

  it('replay --verify reproduces 100% of its decisions, re-applying every recorded TD update', () => {
    const r = json('replay', run, '--verify', '--db', db) as { decisions: number; reproduced: number; diverged: number; errors: number };
    assert.ok(r.decisions > 100);
    assert.equal(r.reproduced, r.decisions);
  });

  it('--verify of a later episode range starts from the nearest checkpoint', () => {
    const r = json('replay', run, '--verify', '--episodes', '8..11', '--db', db) as { decisions: number; reproduced: number };
    assert.ok(r.decisions > 0);
    assert.equal(r.reproduced, r.decisions);
  });

  it('--swap critic=module:<file> writes a derived run with its flip rate', () => {
    const r = json('replay', run, '--swap', `critic=module:${critic}`, '--db', db) as { derived_run: string; decisions: number; flipped: number; flip_rate: number };
    assert.ok(r.decisions > 100);
    assert.ok(r.flipped > 0, 'a critic that values the sensor row changes some choices');
    assert.equal(r.flip_rate, r.flipped / r.decisions);
    const runs = flightrec(ROOT, 'runs', '--db', db);
    assert.ok(runs.stdout.includes(r.derived_run));
    const diff = flightrec(ROOT, 'diff', run, r.derived_run, '--db', db);
    assert.equal(diff.code, 1, diff.stderr);
  });

  it('--swap critic=@<version> rebuilds an earlier version of the learned table from checkpoint + updates', () => {
    const r = json('replay', run, '--swap', 'critic=@latest', '--db', db) as { decisions: number };
    assert.ok(r.decisions > 100);
  });

  it('--set planner.epsilon=0 goes through the planner\'s own settings', () => {
    const r = json('replay', run, '--set', 'planner.epsilon=0', '--db', db) as { flipped: number; decisions: number };
    assert.ok(r.flipped > 0, 'the recorded run explored with ε = 0.2; a greedy planner differs somewhere');
    const bad = flightrec(ROOT, 'replay', run, '--set', 'planner.nosuch=1', '--db', db);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /nosuch/);
    assert.match(bad.stderr, /epsilon, discount/);
  });

  it('--closed-loop continues the environment from a decision with the swapped critic', () => {
    const r = json('replay', run, '--closed-loop', '--from', '5', '--swap', `critic=module:${critic}`, '--steps', '20', '--db', db) as { steps: number; derived_run: string };
    assert.ok(r.steps > 0 && r.steps <= 20);
    assert.equal(flightrec(ROOT, 'verify', r.derived_run, '--db', db).code, 0);
  });

  it('blame names the swapped critic for a decision it flips', () => {
    const swap = json('replay', run, '--swap', `critic=module:${critic}`, '--db', db) as { most_changed: { decision: number; action_before: number; action_after: number }[] };
    const flipped = swap.most_changed.find((d) => d.action_before !== d.action_after)!;
    const r = json('blame', run, String(flipped.decision), '--against', `critic=module:${critic}`, '--db', db) as { differs: boolean; culprits: string[][] };
    assert.equal(r.differs, true);
    assert.deepEqual(r.culprits, [['critic']]);
  });

  it('checkpoint writes the learned table, and --swap critic=file: reads it back', () => {
    const out = tmp.file('critic.frck');
    const c = json('checkpoint', run, 'critic', '--out', out, '--db', db) as { version: string };
    assert.match(c.version, /^[0-9a-f]{16}$/);
    const r = json('replay', run, '--swap', `critic=file:${out}`, '--db', db) as { decisions: number };
    assert.ok(r.decisions > 100);
  });

  it('audit reads the recorded discount', () => {
    const r = flightrec(ROOT, 'audit', run, '--db', db, '--json');
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.match(r.stdout, /critic/);
    assert.equal((JSON.parse(r.stdout) as { gamma: number }).gamma, 0.95);
    const disagrees = flightrec(ROOT, 'audit', run, '--gamma', '0.5', '--db', db);
    assert.equal(disagrees.code, 2);
    assert.match(disagrees.stderr, /--gamma 0\.5 disagrees with the discount .* recorded \(0\.95\)/);
  });

  it('a run that recorded no factory is refused with what to add', async () => {
    const recorder = await Recorder.open(db);
    const bare = await recorder.startRun({ name: 'no factory', env: 'gridworld', seed: 1 });
    await bare.end('completed');
    await recorder.close();
    const r = flightrec(ROOT, 'replay', bare.id, '--verify', '--db', db);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /recorded no agent factory/);
    assert.match(r.stderr, /--agent module:<path>/);
  });
});
