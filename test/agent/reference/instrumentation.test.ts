import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Critic } from '../../../src/agent/components.js';
import { initNumericBackend } from '../../../src/agent/backend/numeric-backend.js';
import { recordReferenceTraining } from '../../../src/harness/reference-training.js';
import { f32 } from '../../../src/events/tensor.js';
import { AgentRecorder } from '../../../src/record/agent-recorder.js';
import { Recorder } from '../../../src/record/recorder.js';
import { readDecisions } from '../../../src/store/decision-stream.js';
import { readEvents } from '../../../src/store/event-reader.js';
import { SqliteEventStore } from '../../../src/store/sqlite-event-store.js';
import { tempDir } from '../../helpers/temp-database.js';

describe('instrumentation', () => {
  const tmp = tempDir();
  let runId = '';
  before(async () => {
    runId = (await recordReferenceTraining({ db: tmp.file('demo.db'), env: 'gridworld', episodes: 4, seed: 3 })).run;
  });
  after(() => tmp.cleanup());

  it('every decision has planner, world-model, reward, critic and actor events, parented to its decision.started', async () => {
    const store = await SqliteEventStore.open(tmp.file('demo.db'), { mustExist: true });
    try {
      let decisions = 0;
      for await (const d of readDecisions(store, runId)) {
        decisions++;
        const types = new Set(d.events.map((e) => e.type));
        for (const t of ['planner.expanded', 'world_model.predicted', 'reward.evaluated', 'critic.evaluated', 'actor.proposed', 'actor.chose']) {
          assert.ok(types.has(t as never), `decision ${d.decision} lacks ${t}`);
        }
        for (const e of d.events) {
          assert.equal(e.decision, d.decision);
          assert.equal(e.episode, d.episode);
          assert.ok(e.component !== null && e.version !== null, `${e.type} names its component and version`);
          if (e.type !== 'planner.expanded' || e.payload.depth === 0) assert.equal(e.parent, d.started.seq, `${e.type} parent`);
        }
        const levels = d.events.filter((e) => e.type === 'planner.expanded');
        for (let i = 1; i < levels.length; i++) assert.equal(levels[i]!.parent, levels[i - 1]!.seq, 'a planner level is parented to the previous one');
        assert.ok(d.outcome !== null && d.chose !== null);
        assert.equal(d.outcome.payload.action, d.chose.payload.action, 'the env executed the chosen action');
        assert.deepEqual(Object.keys(d.started.payload.versions).sort(), ['actor', 'critic', 'planner', 'reward', 'world_model']);
      }
      assert.ok(decisions > 50);
    } finally {
      await store.close();
    }
  });

  it("records a user's own component (any object implementing the contract), and only inside decisions", async () => {
    await initNumericBackend('auto');
    const calls: number[] = [];
    const mine: Critic = {
      name: 'my_critic',
      role: 'critic',
      kind: 'user',
      version: () => 'mine-1',
      evaluate: (states) => {
        calls.push(states.shape[0]!);
        return f32(new Float32Array(states.shape[0]!).fill(0.5));
      },
    };
    const recorder = await Recorder.open(tmp.file('user.db'));
    const run = await recorder.startRun({ name: 'user' });
    const ar = new AgentRecorder(run);
    const critic = ar.wrap(mine);
    assert.equal(critic.name, 'my_critic');
    critic.evaluate(f32([1, 2], [1, 2])); // outside a decision: computed, not recorded
    ar.episodeStarted(0, 0, new Float32Array([1, 2]), null);
    const d = ar.decisionStarted(0, new Float32Array([1, 2]), 'a'.repeat(32), [mine], null);
    const values = critic.evaluate(f32([1, 2, 3, 4], [2, 2]));
    assert.deepEqual(Array.from(values.data), [0.5, 0.5]);
    await run.close();
    const events = [];
    for await (const e of readEvents(recorder.store, run.id, { types: ['critic.evaluated'] })) events.push(e);
    await recorder.close();
    assert.deepEqual(calls, [1, 2]);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.component, 'my_critic');
    assert.equal(events[0]!.version, 'mine-1');
    assert.equal(events[0]!.decision, d);
  });

  it('two runs with the same seed record the same payloads (determinism), event for event', async () => {
    const a = (await recordReferenceTraining({ db: tmp.file('a.db'), env: 'gridworld', episodes: 2, seed: 11 })).run;
    const b = (await recordReferenceTraining({ db: tmp.file('b.db'), env: 'gridworld', episodes: 2, seed: 11 })).run;
    const sa = await SqliteEventStore.open(tmp.file('a.db'));
    const sb = await SqliteEventStore.open(tmp.file('b.db'));
    try {
      const ea = [];
      const eb = [];
      for await (const e of readEvents(sa, a)) if (e.type !== 'run.started') ea.push({ type: e.type, step: e.step, payload: e.payload });
      for await (const e of readEvents(sb, b)) if (e.type !== 'run.started') eb.push({ type: e.type, step: e.step, payload: e.payload });
      assert.equal(ea.length, eb.length);
      assert.deepEqual(ea, eb);
    } finally {
      await sa.close();
      await sb.close();
    }
  });
});
