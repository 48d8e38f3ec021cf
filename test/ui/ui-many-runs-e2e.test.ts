import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { f32 } from '../../src/events/tensor.js';
import { Recorder } from '../../src/record/recorder.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import type { UiServer } from '../../src/ui/ui-server.js';
import { tempDir } from '../helpers/temp-database.js';
import { openViewer, type OpenViewer } from './ui-fixture.js';

const RUNS = 400;
declare const window: { scrollTo(x: number, y: number): void; document: { body: { scrollHeight: number } } };

/**
 * The runs table with many runs (issue 14): only the rows near the viewport are in the page, yet
 * every run is reachable by scrolling, and sorting and filtering cover all of them.
 */
describe('flightrec ui: the runs table with many runs', () => {
  const tmp = tempDir();
  const db = tmp.file('many.db');
  let server: UiServer;
  let store: SqliteEventStore;
  let viewer: OpenViewer | undefined;
  let page: Page;
  let errors: string[];
  const ids: string[] = [];

  before(async () => {
    const recorder = await Recorder.open(db);
    for (let i = 0; i < RUNS; i++) {
      const run = await recorder.startRun({ name: `run ${i}`, env: i % 2 ? 'gridworld' : 'cartpole', seed: i, components: [] });
      run.append({ type: 'episode.started', episode: 0, step: 0, payload: { env_seed: 0, observation: f32([0]), env_state: null } });
      run.append({ type: 'episode.ended', episode: 0, payload: { return: i, discounted_return: i, performance_return: null, length: 1, reason: 'terminated' } });
      await run.end('completed');
      ids.push(run.id);
    }
    await recorder.close();
    viewer = await openViewer(db);
    ({ store, server, page, errors } = viewer);
  });

  after(async () => {
    await viewer?.close();
    tmp.cleanup();
  });

  const inPage = () => page.$$eval('#runs tbody tr[data-run]', (trs) => trs.map((tr) => tr.getAttribute('data-run')!));

  it('keeps a window of rows in the page, reaches the last run by scrolling, and sorts and filters all of them', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#app[data-ready="true"]', { timeout: 120_000 });
    assert.match((await page.textContent('.toolbar .muted'))!, new RegExp(`^${RUNS} of ${RUNS} runs$`));
    const first = await inPage();
    assert.ok(first.length > 10 && first.length < RUNS / 2, `${first.length} rows in the page`);
    assert.equal(first[0], ids[RUNS - 1], 'newest first');
    // Scrolled to the bottom, the oldest run is in the page; the table's height covered all of them.
    await page.evaluate(() => window.scrollTo(0, window.document.body.scrollHeight));
    await page.waitForFunction((id) => !!(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(`tr[data-run="${id}"]`), ids[0], { timeout: 10_000 });
    // Sorting by reward return ascending puts run 0 first, wherever it was.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.click('th[data-key="final_return"]');
    await page.click('th[data-key="final_return"]');
    assert.equal((await inPage())[0], ids[0], 'ascending reward return');
    await page.fill('#run-filter', 'cartpole');
    assert.match((await page.textContent('.toolbar .muted'))!, new RegExp(`^${RUNS / 2} of ${RUNS} runs$`));
    await page.fill('#run-filter', ids[123]!);
    assert.deepEqual(await inPage(), [ids[123]]);
    assert.deepEqual(errors, [], 'console errors');
  });
});
