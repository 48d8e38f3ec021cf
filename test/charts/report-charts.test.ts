import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { auditRun } from '../../src/audit/audit-run.js';
import { renderAuditHtml } from '../../src/audit/render-audit-html.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { launchBrowser, paintedPixels, watchErrors } from '../helpers/browser.js';
import { tempDir } from '../helpers/temp-database.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/flightrec-0.1.0.sqlite', import.meta.url));

/** The audit report's uPlot charts, drawn by real chromium from the page alone (no network). */
describe('HTML report charts in chromium', () => {
  const tmp = tempDir();
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let html: string;

  before(async () => {
    const db = tmp.file('fixture.db');
    copyFileSync(FIXTURE, db);
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      html = renderAuditHtml(await auditRun(store, 'reference-gridworld'));
    } finally {
      await store.close();
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    tmp.cleanup();
  });

  it('draws every chart of the audit page, offline, with no console error', async () => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(html, { waitUntil: 'load' });
    const painted = await paintedPixels(page, '.chart');
    assert.deepEqual(Object.keys(painted).sort(), ['actorWindows', 'criticScatter', 'criticWindows', 'rewardSeries', 'wmK', 'wmOptimism']);
    for (const [id, n] of Object.entries(painted)) assert.ok(n > 500, `chart ${id} painted ${n} pixels`);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('about:') && !u.startsWith('data:')), [], 'the page fetches nothing');
    await page.close();
  });
});
