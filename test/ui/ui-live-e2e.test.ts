import assert from 'node:assert/strict';
import { readDecisionIndex } from '../../src/store/decision-index.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import type { UiServer } from '../../src/ui/ui-server.js';
import { CLI } from '../cli/run-cli.js';
import { paintedPixels } from '../helpers/browser.js';
import { pngInkShare } from '../helpers/png-blank.js';
import { tempDir } from '../helpers/temp-database.js';
import { openViewer, type OpenViewer } from './ui-fixture.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
declare const document: { querySelector(s: string): { textContent: string | null } | null };

/** Decisions the timeline says the run has ("… · 12 of 340"). */
async function timelineTotal(page: Page): Promise<number> {
  const label = (await page.textContent('#timeline-label')) ?? '';
  return Number(/ of (\d+)$/.exec(label)?.[1] ?? 0);
}

/**
 * A run being recorded, as the viewer shows it (issue 14): another process trains and records
 * the reference agent into the database the viewer reads; the run page, opened mid-recording,
 * says `recording`, and its timeline and returns grow without a reload until the run completes.
 */
describe('flightrec ui: a run being recorded updates live', () => {
  const tmp = tempDir();
  const db = tmp.file('live.db');
  let child: ChildProcess;
  let server: UiServer;
  let store: SqliteEventStore;
  let viewer: OpenViewer | undefined;
  let page: Page;
  let errors: string[];
  let run = '';

  before(async () => {
    child = spawn(process.execPath, [CLI, 'demo', '--episodes', '40', '--seed', '1', '--db', db], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    // Its first progress line ("episode 4/40: …") means the run exists and has decisions stored.
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        if (/episode \d+\/40/.test(err)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`demo exited ${code} before recording: ${err}`)));
    });
    viewer = await openViewer(db);
    ({ store, server, page, errors } = viewer);
    run = (await store.listRuns())[0]!.id;
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await viewer?.close();
    tmp.cleanup();
  });

  it('the run page, opened mid-recording, grows its timeline and returns as events arrive, then shows the run completed', async () => {
    await page.goto(`${server.url}#/run/${encodeURIComponent(run)}`);
    await page.waitForSelector('#app[data-ready="true"]', { timeout: 120_000 });
    assert.equal(await page.textContent('#run-status'), 'recording');
    const first = await timelineTotal(page);
    assert.ok(first > 0, `decisions when opened: ${first}`);
    // No reload: the page polls the run's head and redraws what grew.
    await page.waitForFunction((n) => Number(/ of (\d+)$/.exec(document.querySelector('#timeline-label')?.textContent ?? '')?.[1] ?? 0) > n, first, { timeout: 120_000, polling: 500 });
    assert.match((await page.textContent('#status')) ?? '', /^live: [\d,]+ events$/);
    const grown = await timelineTotal(page);
    assert.ok(grown > first, `timeline grew from ${first} to ${grown} decisions`);
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    assert.equal(child.exitCode, 0, 'the recording finished');
    await page.waitForFunction(() => document.querySelector('#run-status')?.textContent === 'completed', undefined, { timeout: 30_000, polling: 500 });
    const stored = (await store.getRun(run)).head_seq;
    assert.ok(stored > 0);
    // The last poll saw every decision: the timeline covers the whole run.
    // Through the reader: the demo compacts its run once recorded, so its events are no longer rows.
    const decisions = (await readDecisionIndex(store, (await store.getRun(run)).pk)).seq.length;
    assert.equal(await timelineTotal(page), decisions);
    const painted = await paintedPixels(page, '[data-chart="returns"]');
    assert.ok(Object.values(painted)[0]! > 500, `returns chart painted ${JSON.stringify(painted)}`);
    const png = await page.screenshot({ fullPage: true });
    assert.ok(pngInkShare(png) > 0.003, 'screenshot is not blank');
    assert.deepEqual(errors, [], 'console errors');
  });
});
