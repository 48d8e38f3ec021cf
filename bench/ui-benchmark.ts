/**
 * `ui`: how fast the viewer paints on big data, in real chromium.
 *
 * A run of ≥ 1,000,000 events (the diff benchmark's synthetic decision-shaped run: 60,000
 * decisions × 17 events) and, in a second database, 1,000 small runs. The viewer's server runs in
 * this process; chromium loads each page cold (a new page per round) and the time is from
 * navigation start to the page's own "ready" mark (data fetched, DOM and charts drawn).
 *   - decision page of the 1M-event run, against its baseline: `showDecision` (what
 *     `flightrec show` reads) called directly in the same process;
 *   - the run page (returns, timeline over every decision, versions) of the 1M-event run: its first
 *     load (the server folds the run) to first paint and to complete, with the server's peak heap
 *     growth meanwhile (run with --expose-gc for a collected start), then loads of the kept fold;
 *   - the runs table with 1,000 runs (rows, then every run's summary streamed in);
 *   - sorting and filtering that table (click to repaint), through the driver and timed in the page;
 *   - baseline of the table: its two API calls (rows, summaries) fetched in this process.
 * Flags: --decisions N (60,000), --runs N (1,000), --rounds N (5), --db=FILE (keep/reuse the big run).
 */
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { ServerAccess } from '../src/serve/server-access.js';
import { showDecision } from '../src/show/show-decision.js';
import { f32 } from '../src/events/tensor.js';
import { Recorder } from '../src/record/recorder.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { startUiServer } from '../src/ui/ui-server.js';
import { intFlag, type BenchArgs, type Benchmark } from './benchmark.js';
import { fixed, int, machine, median, now, round, table, tempDir } from './bench-util.js';
import { recordSyntheticRun } from './diff-benchmark.js';

const TARGET_DECISION_MS = 300;
const BIG_RUN = 'diff-bench-a';

async function readyAt(page: Page, url: string): Promise<number> {
  return (await loadTimes(page, url)).ready;
}

/**
 * A cold page load's marks (ms from navigation start): its first paint (a page that streams sets
 * one; else null) and ready; and the peak growth of this process's heap while it loaded (the
 * server runs here), sampled every 5 ms from a collected heap when --expose-gc is on.
 */
async function loadTimes(page: Page, url: string): Promise<{ ready: number; firstPaint: number | null; heapMb: number }> {
  await page.goto('about:blank');
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  try {
    await page.goto(url);
    await page.waitForSelector('#app[data-ready-at]', { timeout: 600_000 });
  } finally {
    clearInterval(timer);
  }
  const first = await page.getAttribute('#app', 'data-first-paint-at');
  return { ready: Number(await page.getAttribute('#app', 'data-ready-at')), firstPaint: first === null ? null : Number(first), heapMb: (peak - base) / 1e6 };
}

async function withServer<T>(db: string, fn: (base: string) => Promise<T>): Promise<T> {
  const store = await SqliteEventStore.open(db, { mustExist: true });
  const server = await startUiServer({ store, dbPath: db, access: ServerAccess.resolve({ host: '127.0.0.1' }, {}), port: 0 });
  try {
    return await fn(server.url);
  } finally {
    await server.close();
    await store.close();
  }
}

export const uiBenchmark: Benchmark = {
  name: 'ui',
  description: 'viewer pages in chromium on a 1M-event run and on 1,000 runs',
  async run(args: BenchArgs) {
    const decisions = intFlag(args, 'decisions', 60_000);
    const runs = intFlag(args, 'runs', 1000);
    const rounds = intFlag(args, 'rounds', 5);
    const dir = tempDir('flightrec-ui-bench-');
    const bigDb = typeof args.flags.db === 'string' ? args.flags.db : dir.file('big.db');
    let events: number;
    if (!existsSync(bigDb)) {
      args.log(`recording a ${decisions.toLocaleString('en-US')}-decision run…`);
      events = await recordSyntheticRun(bigDb, BIG_RUN, decisions);
    } else {
      const s = await SqliteEventStore.open(bigDb, { mustExist: true });
      events = (await s.getRun(BIG_RUN)).head_seq + 1;
      await s.close();
    }
    const manyDb = dir.file('many.db');
    args.log(`recording ${runs} small runs…`);
    const recorder = await Recorder.open(manyDb);
    for (let i = 0; i < runs; i++) {
      const run = await recorder.startRun({ name: `run ${i}`, env: i % 2 ? 'gridworld' : 'cartpole', seed: i, components: [] });
      for (let e = 0; e < 3; e++) {
        run.append({ type: 'episode.started', episode: e, step: 0, payload: { env_seed: e, observation: f32([0]), env_state: null } });
        run.append({ type: 'episode.ended', episode: e, payload: { return: i + e, discounted_return: i, performance_return: null, length: 1, reason: 'terminated' } });
      }
      await run.end('completed');
    }
    await recorder.close();

    const browser = await chromium.launch({ executablePath: process.env.FLIGHTREC_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const mid = Math.floor(decisions / 2);
      const big = await withServer(bigDb, async (base) => {
        const store = await SqliteEventStore.open(bigDb, { mustExist: true });
        const baseline: number[] = [];
        const pageMs: number[] = [];
        const runLoads: Awaited<ReturnType<typeof loadTimes>>[] = [];
        try {
          for (let r = 0; r < rounds; r++) {
            const d = (mid + r * 997) % decisions;
            const t0 = now();
            await showDecision(store, BIG_RUN, d);
            baseline.push(now() - t0);
            pageMs.push(await readyAt(page, `${base}#/run/${BIG_RUN}/decision/${d}`));
          }
          // The first load of the run page folds the run (the server's first pass over it); later ones read the kept fold.
          for (let r = 0; r < Math.max(2, Math.min(rounds, 4)); r++) runLoads.push(await loadTimes(page, `${base}#/run/${BIG_RUN}`));
        } finally {
          await store.close();
        }
        const [cold, ...warm] = runLoads;
        return {
          baseline: median(baseline),
          page: median(pageMs),
          run: cold!.ready,
          runFirstPaint: cold!.firstPaint ?? cold!.ready,
          runHeapMb: cold!.heapMb,
          runWarm: median(warm.map((w) => w.ready)),
          runWarmFirstPaint: median(warm.map((w) => w.firstPaint ?? w.ready)),
        };
      });
      const many = await withServer(manyDb, async (base) => {
        const tableMs: number[] = [];
        const apiMs: number[] = [];
        const sortMs: number[] = [];
        const inPageMs: number[] = [];
        let domRows = 0;
        for (let r = 0; r < Math.min(rounds, 3); r++) {
          // Baseline: what the table needs from the server (rows, then every summary), fetched in this process.
          const a0 = now();
          await (await fetch(`${base}api/runs`)).text();
          await (await fetch(`${base}api/runs/summaries`)).text();
          apiMs.push(now() - a0);
          tableMs.push(await readyAt(page, base));
          const t0 = now();
          await page.click('th[data-key="final_return"]');
          await page.fill('#run-filter', 'gridworld');
          await page.evaluate('new Promise((res) => requestAnimationFrame(() => res(null)))');
          sortMs.push(now() - t0);
          // The same sort and filter timed inside the page, to the next frame: without the driver's round trips.
          await page.fill('#run-filter', '');
          inPageMs.push(
            (await page.evaluate(`new Promise((res) => {
              const t0 = performance.now();
              document.querySelector('th[data-key="events"]').click();
              const f = document.querySelector('#run-filter');
              f.value = 'cartpole';
              f.dispatchEvent(new Event('input'));
              requestAnimationFrame(() => setTimeout(() => res(performance.now() - t0), 0));
            })`)) as number,
          );
          domRows = await page.$$eval('#runs tbody tr[data-run]', (trs) => trs.length);
        }
        return { table: median(tableMs), api: median(apiMs), sort: median(sortMs), inPage: median(inPageMs), domRows };
      });
      const result = {
        machine: machine(),
        events,
        decisions,
        runs,
        decision_page_ms: round(big.page, 1),
        show_decision_ms: round(big.baseline, 1),
        page_over_show: round(big.page / big.baseline, 2),
        decision_target_ms: TARGET_DECISION_MS,
        run_page_ms: round(big.run, 1),
        run_page_first_paint_ms: round(big.runFirstPaint, 1),
        run_page_server_heap_mb: round(big.runHeapMb, 1),
        run_page_again_ms: round(big.runWarm, 1),
        run_page_again_first_paint_ms: round(big.runWarmFirstPaint, 1),
        runs_table_ms: round(many.table, 1),
        runs_api_ms: round(many.api, 1),
        runs_table_over_api: round(many.table / many.api, 2),
        runs_sort_filter_ms: round(many.sort, 1),
        runs_sort_filter_in_page_ms: round(many.inPage, 1),
        runs_rows_in_dom: many.domRows,
      };
      for (const line of table(['measure', 'ms'], [
        [`decision page, ${int(events)}-event run (cold page load)`, fixed(big.page, 1)],
        ['  baseline: showDecision in-process', fixed(big.baseline, 1)],
        [`run page, ${int(events)}-event run, first load (the server folds the run): complete`, fixed(big.run, 1)],
        ['  its first paint (header, returns)', fixed(big.runFirstPaint, 1)],
        ['  server heap, peak growth while it loaded (MB)', fixed(big.runHeapMb, 1)],
        ['run page again (the kept fold): complete', fixed(big.runWarm, 1)],
        ['  its first paint', fixed(big.runWarmFirstPaint, 1)],
        [`runs table, ${runs} runs (rows + summaries)`, fixed(many.table, 1)],
        ['  baseline: its API calls in-process', fixed(many.api, 1)],
        ['  sort + filter that table (driver clicks)', fixed(many.sort, 1)],
        ['  sort + filter, timed in the page', fixed(many.inPage, 1)],
      ])) args.log(line);
      args.log(`decision page ${big.page <= TARGET_DECISION_MS ? 'meets' : 'misses'} the ${TARGET_DECISION_MS} ms target`);
      return result;
    } finally {
      await browser.close();
      dir.cleanup();
    }
  },
};
