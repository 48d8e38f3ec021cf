import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { z } from 'zod';
import { AuditResponse, Decision, DiffResponse, Job, OverviewDelta, RunDetail, RunHead, RunRow, RunSummary } from '../../src/ui/api-schemas.js';
import { tempDir } from '../helpers/temp-database.js';
import { FIXTURE_RUN, startFixtureServer } from './ui-fixture.js';

/** The viewer's HTTP API on a real database: what each route answers, and how it refuses bad input. */
describe('flightrec ui: API', () => {
  const tmp = tempDir();
  let base: string;
  let close: () => Promise<void>;
  let store: Awaited<ReturnType<typeof startFixtureServer>>['store'];

  before(async () => {
    const s = await startFixtureServer(tmp.file('ui.db'));
    base = s.server.url.replace(/\/$/, '');
    close = s.close;
    store = s.store;
  });

  after(async () => {
    await close?.();
    tmp.cleanup();
  });

  const json = async (path: string, init?: RequestInit) => {
    const res = await fetch(base + path, init);
    return { status: res.status, body: (await res.json()) as any };
  };
  /** The answer parsed with the schema the front end takes its type from: the page reads exactly this. */
  const valid = <S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> => {
    const r = schema.safeParse(body);
    assert.ok(r.success, `${what}: ${r.success ? '' : r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return r.data;
  };
  const overview = async (run: string) => {
    const res = await fetch(`${base}/api/runs/${run}/overview`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /ndjson/);
    return (await res.text()).trim().split('\n').map((l, i) => valid(OverviewDelta, JSON.parse(l), `overview line ${i}`));
  };

  it('lists the runs with their decision counts', async () => {
    const { status, body } = await json('/api/runs');
    assert.equal(status, 200);
    const run = body.find((r: { id: string }) => r.id === FIXTURE_RUN);
    assert.ok(run, JSON.stringify(body.map((r: { id: string }) => r.id)));
    assert.equal(run.env, 'gridworld');
    assert.ok(run.decisions > 10, `decisions ${run.decisions}`);
    assert.equal(run.events, 1246);
  });

  it('streams one summary per run as NDJSON, with episode returns', async () => {
    const res = await fetch(`${base}/api/runs/summaries`);
    assert.match(res.headers.get('content-type') ?? '', /ndjson/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    const runs = (await json('/api/runs')).body;
    assert.equal(lines.length, runs.length);
    const s = lines.find((l) => l.id === FIXTURE_RUN);
    assert.equal(s.episodes, 3);
    assert.equal(typeof s.final_return, 'number');
  });

  it('answers a run\'s audits with what was audited and, per check, the figures its verdict judged', async () => {
    const { status, body } = await json(`/api/runs/${FIXTURE_RUN}/audit`);
    assert.equal(status, 200);
    assert.match(body.audited, /^gridworld, 3 episodes, \d+ decisions, γ 0\.95$/);
    assert.deepEqual(Object.keys(body.figures), Object.keys(body.report.checks).filter((k) => body.report.checks[k] !== null));
    const actor = body.report.checks.actor;
    if (actor.final !== null) assert.match(body.figures.actor[0], /^agreement \S+ \(run \S+\)$/);
  });

  it('answers a run, and its overview as a stream: episodes first, then the timeline in segments, and version changes', async () => {
    const run = valid(RunDetail, (await json(`/api/runs/${FIXTURE_RUN}`)).body, 'run');
    assert.equal(run.drawing.kind, 'grid');
    const lines = await overview(FIXTURE_RUN);
    assert.ok(lines.at(-1)!.done, 'the last line says the fold is done');
    assert.ok(lines.slice(0, -1).every((l) => !l.done));
    assert.deepEqual(lines[0]!.episodes.map((e) => e.episode), [0, 1, 2], 'the first line holds the episode returns');
    assert.equal(lines[0]!.segments.length, 0, 'before any decision is read');
    // Applied in order, the lines are the run's decisions: the same as the decision.started rows.
    const segments: OverviewDelta['segments'] = [];
    const versions: Record<string, OverviewDelta['versions'][string]> = {};
    for (const l of lines) {
      segments.length = l.segments_from;
      segments.push(...l.segments);
      for (const [k, v] of Object.entries(l.versions)) (versions[k] ??= []).push(...v);
    }
    const expanded = segments.flatMap((g) => Array.from({ length: g.count }, (_, i) => [g.decision + i, g.episode, g.step === null ? null : g.step + i]));
    const rows = await store.db.selectFrom('events').select(['decision', 'episode', 'step']).where('run_pk', '=', (await store.getRun(FIXTURE_RUN)).pk).where('type', '=', 'decision.started').orderBy('seq').execute();
    assert.deepEqual(expanded, rows.map((r) => [r.decision, r.episode, r.step]));
    assert.equal(lines.at(-1)!.decisions, run.decisions);
    assert.ok(segments.length <= 3 * 2, `a few segments per episode, not a row per decision: ${segments.length} for ${rows.length} decisions`);
    for (const list of Object.values(versions)) assert.deepEqual(list.map((v) => v.update), list.map((_v, i) => i + 1));
    // Asked again, the run is not read again: one line with all of it, then done.
    const again = await overview(FIXTURE_RUN);
    assert.equal(again.length, 2);
    assert.deepEqual(again[0]!.segments, segments);
    assert.deepEqual(again[0]!.episodes, lines[0]!.episodes);
    assert.ok(again[1]!.done);
    assert.equal((await fetch(`${base}/api/runs/nope/overview`)).status, 404);
  });

  it('answers every route with JSON the front end\'s schemas accept', async () => {
    for (const r of (await json('/api/runs')).body) valid(RunRow, r, `run row ${r.id}`);
    for (const l of (await (await fetch(`${base}/api/runs/summaries`)).text()).trim().split('\n')) valid(RunSummary, JSON.parse(l), 'summary');
    valid(RunHead, (await json(`/api/runs/${FIXTURE_RUN}/head`)).body, 'head');
    for (const d of [0, 1, 5]) valid(Decision, (await json(`/api/runs/${FIXTURE_RUN}/decisions/${d}`)).body, `decision ${d}`);
    valid(AuditResponse, (await json(`/api/runs/${FIXTURE_RUN}/audit`)).body, 'audit');
    valid(DiffResponse, (await json(`/api/diff/${FIXTURE_RUN}/${FIXTURE_RUN}`)).body, 'diff');
    const start = await json(`/api/runs/${FIXTURE_RUN}/replay`, { method: 'POST', body: JSON.stringify({ swaps: ['critic=@no-such-version'] }) });
    valid(Job, start.body, 'job');
    // And the schemas do refuse what the page could not read.
    assert.equal(Decision.safeParse({ ...(await json(`/api/runs/${FIXTURE_RUN}/decisions/0`)).body, nav: { prev: 'x' } }).success, false);
  });

  it('answers one decision as `show --json` does, with its neighbours', async () => {
    const { status, body } = await json(`/api/runs/${FIXTURE_RUN}/decisions/1`);
    assert.equal(status, 200);
    assert.equal(body.decision, 1);
    assert.deepEqual(body.nav, { prev: 0, next: 2 });
    assert.ok(body.search.nodes.length > 0);
    assert.ok(body.choice.candidates.length === 4);
    assert.equal(body.observation.tensor.shape[0], 25);
    const first = (await json(`/api/runs/${FIXTURE_RUN}/decisions/0`)).body;
    assert.equal(first.nav.prev, null);
  });

  it('refuses bad input with a 4xx naming the field and the value', async () => {
    let r = await json(`/api/runs/nope`);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /run not found: nope/);
    r = await json(`/api/runs/${FIXTURE_RUN}/decisions/x1`);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details.field, 'decision');
    assert.equal(r.body.error.details.value, 'x1');
    r = await json(`/api/runs/${FIXTURE_RUN}/decisions/99999`);
    assert.equal(r.status, 404);
    r = await json(`/api/runs/${FIXTURE_RUN}/replay`, { method: 'POST', body: JSON.stringify({ swaps: 'reward' }) });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details.field, 'swaps');
    r = await json(`/api/runs/${FIXTURE_RUN}/replay`, { method: 'POST', body: '{"swaps":[]}' });
    assert.equal(r.status, 400);
    r = await json(`/api/runs/${FIXTURE_RUN}/replay`, { method: 'POST', body: '{nope' });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /not JSON/);
    r = await json('/api/jobs/unknown');
    assert.equal(r.status, 404);
    r = await json('/api/nothing');
    assert.equal(r.status, 404);
  });

  it('a what-if job with an unknown swap fails with the replay error, not a crash', async () => {
    const start = await json(`/api/runs/${FIXTURE_RUN}/replay`, { method: 'POST', body: JSON.stringify({ swaps: ['critic=@no-such-version'] }) });
    assert.equal(start.status, 202);
    let job = start.body;
    while (job.status === 'running') {
      await new Promise((r) => setTimeout(r, 200));
      job = (await json(`/api/jobs/${job.id}`)).body;
    }
    assert.equal(job.status, 'failed');
    assert.match(job.error.message, /no-such-version/);
  });

  it('serves the page and the bundled front end, and nothing outside it', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3)/, 'no external address');
    // The front end is one script (scripts/build-web.mjs), referenced by the page; nothing lists modules.
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(scripts, ['/app/app.js']);
    assert.doesNotMatch(html, /modulepreload/);
    assert.match(html, /<script type="module" src="\/app\/app\.js">/);
    const app = await fetch(`${base}/app/app.js`);
    assert.equal(app.status, 200);
    assert.match(app.headers.get('content-type')!, /^text\/javascript/);
    const body = await app.text();
    assert.doesNotMatch(body, /\bimport\s*[{"'*]|\bimport\s+[\w$]+\s+from\b|\bfrom\s*["']\.{0,2}\//, 'the bundle imports no module statically');
    assert.match(body, /\/\/# sourceMappingURL=app\.js\.map\s*$/);
    const map = await fetch(`${base}/app/app.js.map`);
    assert.equal(map.status, 200);
    const sources = ((await map.json()) as { sources: string[] }).sources;
    assert.ok(sources.some((s) => s.endsWith('src/ui/web/decision-view.ts')), `the map names the sources: ${sources.join(' ')}`);
    // A reload of a file the browser holds is a 304 (its ETag), not the file again.
    const etag = app.headers.get('etag');
    assert.ok(etag);
    assert.equal((await fetch(`${base}/app/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await fetch(`${base}/app/app.js`, { headers: { 'if-none-match': '"other"' } })).status, 200);
    // The modules of the old front end are not served: there is one path to the page.
    assert.equal((await fetch(`${base}/app/ui/web/main.js`)).status, 404);
    // The page starts a decision's request itself, before the bundle arrives (prefetch.ts, inline).
    assert.match(html, /<script type="module" async>[^<]*\/api\/runs\/[^<]*fetch\(/);
    // uPlot is a chunk of the bundle that the first chart imports (chart-box.ts), served beside it.
    const chunk = /import\("\.\/(uplot-[\w-]+\.js)"\)/.exec(body)?.[1];
    assert.ok(chunk, 'the bundle imports its uPlot chunk');
    const uplot = await fetch(`${base}/app/${chunk}`);
    assert.equal(uplot.status, 200);
    const uplotJs = await uplot.text();
    assert.ok(uplotJs.includes('"u-legend"') && /export\s*\{\s*[\w$]+ as default\s*\}/.test(uplotJs), `uPlot's ES build (${uplotJs.length} bytes)`);
    assert.equal((await fetch(`${base}/vendor/uplot.css`)).status, 200);
    assert.equal((await fetch(`${base}/vendor/uplot.js`)).status, 404, 'one path to uPlot');
    assert.equal((await fetch(`${base}/app/..%2f..%2fpackage.json`)).status, 404);
    assert.equal((await fetch(`${base}/app/../../../package.json`)).status, 404);
  });
});

describe('flightrec ui: token', () => {
  const tmp = tempDir();
  it('requires the token on the API when one is set, and prints it in the URL', async () => {
    const s = await startFixtureServer(tmp.file('t.db'), { token: 'secret-token-1' });
    try {
      const base = `http://127.0.0.1:${s.server.port}`;
      assert.match(s.server.url, /\?token=secret-token-1$/);
      assert.equal((await fetch(`${base}/api/runs`)).status, 401);
      assert.equal((await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer wrong-token-1' } })).status, 401);
      assert.equal((await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer secret-token-1' } })).status, 200);
      assert.equal((await fetch(`${base}/`)).status, 200, 'the page itself holds no data');
    } finally {
      await s.close();
      tmp.cleanup();
    }
  });
});
