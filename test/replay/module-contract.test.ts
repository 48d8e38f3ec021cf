import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordYourAgent } from '../../examples/record-your-agent.js';
import { checkRoleOutput } from '../../src/agent/role-contract.js';
import type { Critic } from '../../src/agent/components.js';
import { Gridworld } from '../../src/envs/gridworld.js';
import { valueIteration } from '../../src/envs/tabular-solver.js';
import { f32, i32, type Tensor } from '../../src/events/tensor.js';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { ExactWorldModel, OneStepPlanner, recordTabularRun, TableReward, UniformActor } from '../audit/tabular-agent.js';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const critic = (body: string, extra = '') => `export default {
  name: 'user_critic', role: 'critic', kind: 'user-module', version: () => 'v1',${extra}
  evaluate(states) {
    const n = states.shape[0];
    ${body}
  },
};
`;

const MODULES: Record<string, string> = {
  'wide-critic.mjs': critic(`return { dtype: 'float32', shape: [n, 3], data: new Float32Array(n * 3) };`),
  'nan-reward.mjs': `export default {
  name: 'nan_reward', role: 'reward', kind: 'user-module', version: () => 'v1',
  evaluate(states) {
    const n = states.shape[0];
    return { dtype: 'float32', shape: [n], data: new Float32Array(n).fill(NaN) };
  },
};
`,
  'float64-critic.mjs': critic(`return { dtype: 'float64', shape: [n], data: new Float64Array(n) };`),
  'throwing-critic.mjs': critic(`throw new Error('weights not found: critic.bin');`),
  'async-critic.mjs': critic(`return Promise.resolve({ dtype: 'float32', shape: [n], data: new Float32Array(n) });`).replace('evaluate(states)', 'async evaluate(states)'),
  'good-critic.mjs': critic(`return { dtype: 'float32', shape: [n], data: new Float32Array(n).fill(1) };`),
};

/**
 * A swapped-in module is input: every call it answers is checked against its role's contract,
 * on a real recorded run replayed by the built CLI. A violation is exit 2 with a message naming
 * the module, the call, the field, what was expected and what was received, and the derived run
 * it was writing is marked failed.
 */
describe('a swapped-in module is checked like input', () => {
  const tmp = tempDir();
  const db = tmp.file('mine.db');
  let run = '';
  before(async () => {
    for (const [name, text] of Object.entries(MODULES)) writeFileSync(tmp.file(name), text);
    run = await recordYourAgent(db, 6);
  });
  after(() => tmp.cleanup());

  const replay = (role: string, module: string) => flightrec(ROOT, 'replay', run, '--swap', `${role}=module:${tmp.file(module)}`, '--db', db);
  const statuses = (): Map<string, string> => {
    const r = flightrec(ROOT, 'runs', '--db', db, '--json');
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { id: string; status: string; source_run: string | null }[];
    return new Map(runs.filter((x) => x.source_run === run).map((x) => [x.id, x.status]));
  };
  const derivedAfter = (before: Map<string, string>) => [...statuses()].filter(([id]) => !before.has(id));

  const cases: [string, string, string, RegExp][] = [
    ['a critic answering [N, 3] where [N] is due', 'critic', 'wide-critic.mjs', /evaluate\(\) call 1 returned values\.shape = \[\d+, 3\], expected \[\d+\]/],
    ['a reward answering NaN', 'reward', 'nan-reward.mjs', /evaluate\(\) call 1 returned rewards\[0\] = NaN, expected a finite number/],
    ['a critic answering float64', 'critic', 'float64-critic.mjs', /returned values\.dtype = float64 \(data a Float64Array\), expected float32/],
  ];
  for (const [what, role, module, message] of cases) {
    it(`${what}: exit 2 naming module, call, field, expected and received; the derived run is failed`, () => {
      const before = statuses();
      const r = replay(role, module);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /\[MODULE_CONTRACT_VIOLATED\]/);
      assert.ok(r.stderr.includes(tmp.file(module)), r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /internal error|flipped/);
      assert.equal(r.stdout, '');
      const derived = derivedAfter(before);
      assert.deepEqual(derived.map(([, s]) => s), ['failed']);
    });
  }

  it('a module that throws in evaluate: exit 2 with MODULE_FAILED and its message, not an internal error', () => {
    const before = statuses();
    const r = replay('critic', 'throwing-critic.mjs');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /\[MODULE_FAILED\].*throwing-critic\.mjs.*evaluate\(\) call 1 threw: weights not found: critic\.bin/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.deepEqual(derivedAfter(before).map(([, s]) => s), ['failed']);
  });

  it('an async evaluate is refused by name (a Promise where a tensor is due)', () => {
    const r = replay('critic', 'async-critic.mjs');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /async-critic\.mjs.*evaluate\(\) call 1 returned return value = a Promise/);
    assert.doesNotMatch(r.stderr, /received undefined/);
  });

  it('a module that keeps its contract still replays (control)', () => {
    const before = statuses();
    const r = replay('critic', 'good-critic.mjs');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(derivedAfter(before).map(([, s]) => s), ['completed']);
  });

  it('the contract per role: shapes, dtypes, finiteness, probabilities, plan indices', () => {
    const states = f32(new Float32Array(6), [2, 3]);
    const ok = f32([0, 1]);
    assert.equal(checkRoleOutput('critic', [states], ok, { actionCount: null }), null);
    assert.equal(checkRoleOutput('reward', [states, i32([0, 1]), null], f32([0, Infinity]), { actionCount: null })?.field, 'rewards[1]');
    assert.equal(checkRoleOutput('actor', [states], f32([0.5, 0.5, 1, 0], [2, 2]), { actionCount: 2 }), null);
    assert.equal(checkRoleOutput('actor', [states], f32([0.5, 0.5, 1, 0], [2, 2]), { actionCount: 4 })?.field, 'probs.shape');
    assert.equal(checkRoleOutput('actor', [states], f32([-0.5, 1.5, 1, 0], [2, 2]), { actionCount: 2 })?.field, 'probs[0]');
    assert.equal(checkRoleOutput('world_model', [states, i32([0, 1])], { nextStates: states, done: f32([0, 1]) }, { actionCount: null }), null);
    assert.equal(checkRoleOutput('world_model', [states, i32([0, 1])], { nextStates: states, done: f32([0, 2]) }, { actionCount: null })?.field, 'done[1]');
    assert.equal(checkRoleOutput('world_model', [states, i32([0, 1])], { nextStates: f32([0, 0, 0], [1, 3]), done: null }, { actionCount: null })?.field, 'nextStates.shape');
    const plan = { action: 1, candidates: i32([0, 1]), scores: f32([-Infinity, 2]), chosenIndex: 1, value: 2, search: [], prior: null };
    assert.equal(checkRoleOutput('planner', [], plan, { actionCount: 2 }), null);
    assert.equal(checkRoleOutput('planner', [], { ...plan, action: 2 }, { actionCount: 2 })?.field, 'action');
    assert.equal(checkRoleOutput('planner', [], { ...plan, scores: f32([NaN, 2]) }, { actionCount: 2 })?.field, 'scores[0]');
    assert.equal(checkRoleOutput('planner', [], { ...plan, chosenIndex: 2 }, { actionCount: 2 })?.field, 'chosenIndex');
  });
});

/** A live critic that diverges: NaN (with a payload) is what flightrec must record, bit for bit. */
class NanCritic implements Critic {
  readonly role = 'critic' as const;
  readonly kind = 'diverged';
  readonly name = 'critic';
  version(): string {
    return 'nan';
  }
  evaluate(states: Tensor): Tensor {
    const bits = new Uint32Array(states.shape[0]!).fill(0x7fc0dead);
    return f32(new Float32Array(bits.buffer), [states.shape[0]!]);
  }
}

describe('live recording keeps a NaN bit for bit', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  it('a diverged live critic is recorded, not refused: its NaN payload bits come back', async () => {
    const db = tmp.file('nan.db');
    const g = new Gridworld();
    const policy = valueIteration(g.transitionTable(), 0.95, { signal: 'performance' }).policy;
    await recordTabularRun({
      db, id: 'nan-critic', episodes: 2, seed: 1, gamma: 0.95, horizon: 1, slip: 0,
      worldModel: new ExactWorldModel('world_model', g), reward: new TableReward('reward', g), critic: new NanCritic(), actor: new UniformActor(), planner: new OneStepPlanner(g, 0.95, 0, policy),
    });
    const store = await SqliteEventStore.open(db, { mustExist: true, readonly: true });
    try {
      let n = 0;
      for await (const e of readEventsOfType(store, 'nan-critic', 'critic.evaluated')) {
        const values = e.payload.values.data as Float32Array;
        const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
        assert.ok(bits.every((b) => b === 0x7fc0dead), `bits ${[...bits].map((b) => b.toString(16)).join(',')}`);
        n++;
      }
      assert.ok(n > 0);
    } finally {
      await store.close();
    }
  });
});
