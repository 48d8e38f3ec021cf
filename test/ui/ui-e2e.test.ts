import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, paintedPixels, watchErrors } from '../helpers/browser.js';
import { pngInkShare } from '../helpers/png-blank.js';
import { tempDir } from '../helpers/temp-database.js';
import { FIXTURE_RUN, startFixtureServer } from './ui-fixture.js';

// FLIGHTREC_UI_DB=<db> FLIGHTREC_UI_RUN=<run> FLIGHTREC_SCREENSHOTS=docs/ui: the same walk on another
// database (the demo run), keeping the screenshots for the README.
// The page functions below run in the browser, where these exist.
declare const document: { querySelector(s: string): { textContent: string | null } | null };
declare const location: { hash: string };

const SOURCE = process.env.FLIGHTREC_UI_DB;
const RUN = process.env.FLIGHTREC_UI_RUN ?? FIXTURE_RUN;
const KEEP = process.env.FLIGHTREC_SCREENSHOTS;

/**
 * The viewer in real chromium, as a person uses it: every page on a recorded run, the timeline
 * clicked through, a decision opened, a what-if launched and its derived run waited for, the
 * audits and the diff. Fails on any console error and on a blank screenshot.
 */
describe('flightrec ui in chromium', () => {
  const tmp = tempDir();
  let base: string;
  let closeServer: () => Promise<void>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let errors: string[];
  let derived: string;

  before(async () => {
    const s = await startFixtureServer(tmp.file('ui.db'), SOURCE ? { source: SOURCE } : {});
    base = s.server.url;
    closeServer = s.close;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    errors = watchErrors(page);
  });

  after(async () => {
    await browser?.close();
    await closeServer?.();
    tmp.cleanup();
  });

  const ready = async (timeout = 60_000) => {
    await page.waitForSelector('#app[data-ready="true"]', { timeout });
    await page.waitForTimeout(150); // charts draw on the next layout
  };
  const shot = async (name: string, fullPage = false) => {
    const png = await page.screenshot({ fullPage });
    const ink = pngInkShare(png);
    assert.ok(ink > 0.003, `screenshot ${name} is blank (ink ${ink.toFixed(4)})`);
    if (KEEP) {
      mkdirSync(KEEP, { recursive: true });
      writeFileSync(path.join(KEEP, `${name}.png`), png);
    }
  };
  const noErrors = () => assert.deepEqual(errors, [], 'console errors');

  it('runs: the table lists the run, sorts and filters', async () => {
    await page.goto(base);
    await ready();
    await page.waitForFunction((id) => document.querySelector(`tr[data-run="${id}"] td:nth-child(8)`)?.textContent !== '–', RUN);
    const ids = () => page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-run')));
    assert.ok((await ids()).includes(RUN));
    await page.click('th[data-key="events"]');
    const events = await page.$$eval('#runs tbody tr td:nth-child(6)', (tds) => tds.map((td) => Number(td.textContent!.replace(/,/g, ''))));
    assert.deepEqual(events, [...events].sort((a, b) => b - a), 'sorted by events, descending');
    await page.fill('#run-filter', 'no-such-run-at-all');
    assert.deepEqual(await ids(), []);
    await page.fill('#run-filter', RUN.slice(0, 12));
    assert.ok((await ids()).includes(RUN));
    await shot('runs');
    noErrors();
  });

  it('a run: returns chart, the timeline clicked through, the current decision drawn', async () => {
    const overviews: string[] = [];
    const onRequest = (r: { url(): string }) => void (r.url().includes('/overview') && overviews.push(r.url()));
    page.on('request', onRequest);
    await page.click(`tr[data-run="${RUN}"] a`);
    await ready();
    page.off('request', onRequest);
    assert.equal(overviews.length, 1, 'the run page reads the run through one overview stream');
    // It painted (header and returns) before the stream was through, and the timeline holds every decision.
    const firstPaint = Number(await page.getAttribute('#app', 'data-first-paint-at'));
    assert.ok(firstPaint > 0 && firstPaint <= Number(await page.getAttribute('#app', 'data-ready-at')), `first paint ${firstPaint}`);
    const total = Number(/ of (\d+)$/.exec((await page.textContent('#timeline-label'))!)![1]);
    const decisions = Number(/([\d,]+) decisions/.exec((await page.textContent('main p.muted'))!)![1]!.replace(/,/g, ''));
    assert.equal(total, decisions, 'the timeline covers every decision of the run');
    assert.ok(await page.$('#versions [data-chart="versions"], #versions p'), 'versions drawn');
    assert.ok(await page.$('#what-if-box select, #what-if-box input'), 'the what-if panel is there once the versions are known');
    const painted = await paintedPixels(page, '[data-chart="returns"]');
    assert.ok(Object.values(painted)[0]! > 500, `returns chart painted ${JSON.stringify(painted)}`);
    const label = () => page.textContent('#timeline-label');
    assert.match((await label())!, /^decision 0 /);
    await page.click('#timeline-next');
    await page.click('#timeline-next');
    assert.match((await label())!, /^decision 2 /);
    await page.click('#timeline-prev');
    assert.match((await label())!, /^decision 1 /);
    await page.waitForSelector('#current-decision .grid-obs');
    const box = (await page.$('#timeline'))!.boundingBox();
    const b = (await box)!;
    await page.mouse.click(b.x + b.width * 0.5, b.y + b.height / 2);
    const middle = Number(/^decision (\d+)/.exec((await label())!)![1]);
    assert.ok(middle > 2, `clicked the middle of the timeline: decision ${middle}`);
    await page.fill('#timeline-jump', '5');
    await page.press('#timeline-jump', 'Enter');
    assert.match((await label())!, /^decision 5 /);
    await page.selectOption('#timeline-speed', '64');
    await page.click('#timeline-play');
    await page.waitForFunction(() => /^decision (\d+)/.exec(document.querySelector('#timeline-label')!.textContent!)![1] !== '5');
    await page.click('#timeline-play');
    await page.fill('#timeline-jump', '5');
    await page.press('#timeline-jump', 'Enter');
    await page.waitForFunction(() => document.querySelector('#current-decision strong')?.textContent === 'decision 5');
    await shot('run', true);
    noErrors();
  });

  it('a decision: observation, search tree, candidates, calls, outcome, previous and next', async () => {
    // Opened by its address, as a link from elsewhere opens it: the page shell starts the
    // decision's request itself (prefetch.ts) and the page takes that answer; a page that did not
    // find it (a path spelt otherwise) would ask a second time. The front end is one file
    // (scripts/build-web.mjs): until the decision's answer is in, the page has asked for that one
    // script of its own and nothing else of the front end (seventeen modules held the browser's six
    // connections and the answer waited for one).
    const href = (await page.getAttribute('#current-decision a', 'href'))!;
    const isDecision = (url: string) => /\/api\/runs\/[^/]+\/decisions\/\d+$/.test(url);
    const asked: string[] = [];
    const beforeAnswer: string[] = [];
    let answered = false;
    const onRequest = (r: { url(): string }) => {
      const p = new URL(r.url()).pathname;
      if (isDecision(r.url())) asked.push(r.url());
      if (!answered) beforeAnswer.push(p);
    };
    const onResponse = (r: { url(): string }) => void (isDecision(r.url()) && (answered = true));
    page.on('request', onRequest);
    page.on('response', onResponse);
    await page.goto('about:blank');
    await page.goto(base + href);
    await ready();
    page.off('request', onRequest);
    page.off('response', onResponse);
    assert.equal(asked.length, 1, `one request for the decision: ${asked.join(' ')}`);
    assert.ok(answered, 'the decision was answered');
    const frontEnd = beforeAnswer.filter((p) => p.startsWith('/app/'));
    assert.deepEqual(frontEnd, ['/app/app.js'], `the front end's requests before the decision's answer: ${beforeAnswer.join(' ')}`);
    assert.ok(beforeAnswer.every((p) => ['/', '/app/app.js', '/vendor/uplot.css'].includes(p) || isDecision(p)), `nothing else before the answer: ${beforeAnswer.join(' ')}`);
    const title = (await page.textContent('h1'))!;
    const d = Number(/Decision (\d+)/.exec(title)![1]);
    assert.ok(await page.$('.obs svg'), 'the grid is drawn');
    assert.ok((await page.$$('#search-tree summary, #search-tree .leaf')).length >= 4, 'search tree nodes');
    assert.equal((await page.$$('#choice table tr')).length, 5, 'four candidates and a header');
    assert.ok((await page.$$('#calls tr')).length > 3);
    // Opening a node of the tree shows its children, built on the click itself: they are there
    // when the click returns, without waiting for the 'toggle' event the browser queues after it.
    const closed = await page.$('#search-tree details:not([open]) > summary');
    assert.ok(closed !== null, 'a closed node with children (off the chosen path)');
    const count = () => page.$$eval('#search-tree summary, #search-tree .leaf', (els) => els.length);
    const before = await count();
    const kids = await closed.evaluate((s: any) => {
      s.click();
      return s.parentElement.children.length as number;
    });
    assert.ok(kids > 1, `children built within the click (${kids - 1})`);
    assert.ok((await count()) > before, 'children appear when a node is opened');
    await page.click('text=next →');
    await ready();
    assert.match((await page.textContent('h1'))!, new RegExp(`Decision ${d + 1} `));
    await page.click('text=← previous');
    await ready();
    assert.match((await page.textContent('h1'))!, new RegExp(`Decision ${d} `));
    await shot('decision', true);
    noErrors();
  });

  it('what-if: a replay with examples/goal-reward.mjs as the reward, progress, then the derived run and its flips', async () => {
    await page.goto(`${base}#/run/${encodeURIComponent(RUN)}`);
    await ready();
    await page.selectOption('#whatif-role', 'reward');
    await page.fill('#whatif-spec', 'module:examples/goal-reward.mjs');
    await page.click('#whatif-go');
    await page.waitForSelector('#whatif-out progress, #whatif-out .replay-summary', { timeout: 30_000 });
    await page.waitForFunction((run) => location.hash.startsWith('#/run/') && !location.hash.includes(run), RUN, { timeout: 300_000 });
    derived = decodeURIComponent(/#\/run\/([^/]+)/.exec(await page.evaluate(() => location.hash))![1]!);
    await ready(300_000);
    await page.waitForSelector('#flips', { timeout: 300_000 });
    const flips = Number(/([\d,]+) flipped decisions/.exec((await page.textContent('#flips'))!)![1]!.replace(/,/g, ''));
    assert.ok(flips > 0, `flipped decisions ${flips}`);
    assert.ok((await page.$$('#flips table tr')).length > 1, 'the flipped decisions are listed');
    await shot('derived', true);
    noErrors();
  });

  it('a flipped decision in the derived run links back to the same decision in the source', async () => {
    await page.click('#flips table tr:nth-child(2) td:last-child a:first-child');
    await ready();
    const link = await page.$(`.pill a[href*="${RUN}/decision/"]`);
    assert.ok(link, 'link to the source run decision');
    await link.click();
    await ready();
    assert.ok(await page.$(`.pill a[href*="${derived}/decision/"]`), 'and from the source to the derived run');
    noErrors();
  });

  it('audits: every check with its verdict and charts; verdict decisions link to decisions', async () => {
    await page.goto(`${base}#/run/${encodeURIComponent(RUN)}/audit`);
    await ready(300_000);
    const checks = await page.$$eval('section[data-check]', (s) => s.map((x) => x.getAttribute('data-check')));
    assert.deepEqual(checks.sort(), ['actor', 'critic', 'reward', 'world_model']);
    const painted = await paintedPixels(page, '.chart');
    for (const [id, n] of Object.entries(painted)) assert.ok(n > 200, `chart ${id} painted ${n}`);
    await shot('audit', true);
    noErrors();
  });

  it('diff: first divergence, flips, both decisions side by side', async () => {
    await page.goto(`${base}#/diff/${encodeURIComponent(RUN)}/${encodeURIComponent(derived)}`);
    await ready(300_000);
    await page.waitForSelector('#side-by-side .card');
    assert.ok(await page.$('#first-divergence'));
    assert.equal((await page.$$('#side-by-side .card')).length, 2);
    await shot('diff', true);
    noErrors();
  });

  it('a bad id in the URL says what was not found', async () => {
    await page.goto(`${base}#/run/no-such-run`);
    await page.waitForSelector('#error');
    assert.match((await page.textContent('#error'))!, /run not found: no-such-run/);
    errors.length = 0; // the 404 of that request is the point of this test
  });
});
