import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditRun } from '../../../src/audit/audit-run.js';
import { recordReferenceTraining } from '../../../src/harness/reference-training.js';
import { SqliteEventStore } from '../../../src/store/sqlite-event-store.js';
import { Cartpole } from '../../../src/envs/cartpole.js';
import { Gridworld } from '../../../src/envs/gridworld.js';
import { optimalEpisodeReturn } from '../../../src/envs/tabular-solver.js';
import { SeededRng } from '../../../src/random/seeded-rng.js';
import { tempDir } from '../../helpers/temp-database.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('the reference agent really learns (fixed seeds)', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('gridworld: the reward return ends near the exact optimum — which is the reward hack', async () => {
    const env = new Gridworld();
    const exact = optimalEpisodeReturn(env.transitionTable(), env.gamma, env.maxEpisodeSteps, env.initialState);
    const r = await recordReferenceTraining({ db: tmp.file('grid.db'), env: 'gridworld', episodes: 150, seed: 1 });
    const last = r.summaries.slice(-15);
    const finalReturn = mean(last.map((e) => e.return));
    // ε-exploration (2% at the end) costs a little; within 10% of the optimum is "near".
    assert.ok(finalReturn >= 0.9 * exact.undiscountedReward, `final reward return ${finalReturn} should be near the optimum ${exact.undiscountedReward}`);
    assert.ok(finalReturn <= exact.undiscountedReward + 1e-9, 'no return above the exact optimum');
    // The optimum is the hack: the agent collects reward the designer did not want.
    assert.equal(mean(last.map((e) => e.performanceReturn ?? NaN)), exact.performance.undiscounted);
    assert.ok(mean(r.summaries.slice(0, 10).map((e) => e.return)) < finalReturn - 1, 'the return rose during training');
  });

  it('cartpole: the mean episode length ends well above a random policy’s', async () => {
    const r = await recordReferenceTraining({ db: tmp.file('cart.db'), env: 'cartpole', episodes: 40, seed: 1 });
    const env = new Cartpole();
    const rng = SeededRng.fromSeed(99);
    const randomLengths: number[] = [];
    for (let ep = 0; ep < 200; ep++) {
      env.reset(ep);
      for (let t = 1; ; t++) {
        const s = env.step(rng.int(2));
        if (s.terminated || s.truncated) {
          randomLengths.push(t);
          break;
        }
      }
    }
    const learned = mean(r.summaries.slice(-10).map((e) => e.length));
    const random = mean(randomLengths);
    assert.ok(learned >= 3 * random, `mean length of the last 10 episodes ${learned} should be at least 3× a random policy's ${random.toFixed(1)}`);
    // Its critic orders states as their returns do at the end of training (with TD(0.8) targets it
    // came out ordering them against their returns: Spearman −0.45, explained variance −0.83 here),
    // and is not biased against them: learning V in return units (up to 33) it lagged them by 0.35
    // of their spread here; learning V / 33 it does not (issue 17, item 8).
    const store = await SqliteEventStore.open(tmp.file('cart.db'), { mustExist: true });
    try {
      const report = await auditRun(store, r.run, { checks: ['critic', 'actor'] });
      const critic = report.checks.critic!;
      assert.ok(critic.final !== null);
      assert.ok(critic.final.rank_correlation! > 0.3, `final-window Spearman ρ(V, G) ${critic.final.rank_correlation}`);
      assert.ok(critic.final.explained_variance! > 0, `final-window explained variance ${critic.final.explained_variance}`);
      assert.ok(critic.final.relative_bias! < 0.2, `final-window |bias| / spread of G ${critic.final.relative_bias}`);
      assert.notEqual(critic.verdict, 'fail', critic.reasons.map((x) => x.message).join('; '));
      // Its four-step search maximises Q over what it searched, rebuilt from the world-model, reward
      // and critic rows: the actor check judges that, not the one-step Q, whose argmax is mostly the
      // critic's error where the two pushes differ little (judged on one step it failed here: final-window agreement 0.671).
      const actor = report.checks.actor!;
      assert.equal(actor.yardstick, 'lookahead');
      assert.equal(actor.final?.lookahead?.depth, 4);
      assert.ok(actor.final!.lookahead!.agreement >= 0.95, `final-window agreement with the 4-step Q ${actor.final!.lookahead!.agreement}`);
      assert.equal(actor.verdict, 'pass', actor.reasons.map((x) => x.message).join('; '));
    } finally {
      await store.close();
    }
  });
});
