import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { AgentConfig, defaultAgentConfig } from '../../src/agent/reference/agent-config.js';
import { REFERENCE_AGENT, referenceAgentFactory } from '../../src/agent/reference/reference-factory.js';
import { Pendulum } from '../../src/envs/pendulum.js';
import { recordAgentRun } from '../../src/harness/record-agent-run.js';
import { showDecision } from '../../src/show/show-decision.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import type { UiServer } from '../../src/ui/ui-server.js';
import { paintedPixels } from '../helpers/browser.js';
import { pngInkShare } from '../helpers/png-blank.js';
import { tempDir } from '../helpers/temp-database.js';
import { openViewer, type OpenViewer } from './ui-fixture.js';

const ITERATIONS = 3;
const ELITES = 4;

/**
 * The decision page of an MPPI run (issue 14): the iterations rendered as the beam tree is, each
 * to unfold into its elites, the last one open with the chosen elite marked, and two charts (the
 * plan's mean moving over the horizon, the elites' returns per iteration).
 */
describe('flightrec ui: MPPI iterations on the decision page', () => {
  const tmp = tempDir();
  const db = tmp.file('mppi.db');
  let run = '';
  let server: UiServer;
  let store: SqliteEventStore;
  let viewer: OpenViewer | undefined;
  let page: Page;
  let errors: string[];

  before(async () => {
    const config = AgentConfig.parse({
      ...defaultAgentConfig('pendulum'),
      hidden: [16],
      batchSize: 16,
      warmupSteps: 16,
      trainEvery: 2,
      checkpointEvery: 5,
      planner: { kind: 'mppi', samples: 16, actorSamples: 4, elites: ELITES, iterations: ITERATIONS, horizon: 3, gamma: 0.95, recordSamplesEvery: 3 },
    });
    run = (await recordAgentRun({ db, factory: referenceAgentFactory, agent: REFERENCE_AGENT, env: new Pendulum({ maxEpisodeSteps: 12 }), episodes: 1, seed: 3, config: { agent: config }, discount: config.gamma })).run;
    viewer = await openViewer(db);
    ({ store, server, page, errors } = viewer);
  });

  after(async () => {
    await viewer?.close();
    tmp.cleanup();
  });

  it('shows every iteration, unfolds one into its elites, marks the chosen elite, and charts the mean and the elite scores', async () => {
    const shown = await showDecision(store, run, 5);
    const last = shown.iterations!.at(-1)!;
    await page.goto(`${server.url}#/run/${encodeURIComponent(run)}/decision/5`);
    await page.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 });
    await page.waitForTimeout(200); // charts draw on the next layout
    assert.match((await page.textContent('#iterations p'))!, new RegExp(`^mppi over 16 samples \\(4 from the actor\\), ${ELITES} elites, ${ITERATIONS} iterations · chose elite ${last.chosen!.elite} `));
    assert.equal((await page.$$('#iteration-tree details')).length, ITERATIONS);
    // The last iteration is open, with its elites listed best first and the chosen one marked.
    assert.equal((await page.$$('#iteration-tree details[open]')).length, 1);
    const rows = await page.$$eval('#iteration-tree details[open] table.elites tr', (trs) => trs.slice(1).map((tr) => ({ chosen: tr.className === 'chosen', row: Number(tr.children[1]!.textContent) })));
    assert.deepEqual(rows.map((r) => r.row), last.elite_list.map((e) => e.row));
    assert.deepEqual(rows.map((r, i) => (r.chosen ? i : -1)).filter((i) => i >= 0), [last.chosen!.elite]);
    // Another iteration unfolds when clicked, as a node of the beam tree does.
    await page.click('#iteration-tree details[data-iteration="0"] > summary');
    assert.equal(await page.$$eval('#iteration-tree details[data-iteration="0"] table.elites tr', (trs) => trs.length), ELITES + 1);
    const painted = await paintedPixels(page, '#iterations .chart');
    assert.deepEqual(Object.keys(painted).length, 2);
    for (const [id, n] of Object.entries(painted)) assert.ok(n > 200, `chart ${id} painted ${n}`);
    assert.ok(pngInkShare(await page.screenshot({ fullPage: true })) > 0.003, 'screenshot is not blank');
    assert.deepEqual(errors, [], 'console errors');
  });
});
