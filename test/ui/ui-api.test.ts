import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/temp-database.js';
import { FIXTURE_RUN, startFixtureServer } from './ui-fixture.js';

/** The viewer's HTTP API on a real database: what each route answers, and how it refuses bad input. */
describe('flightrec ui: API', () => {
  const tmp = tempDir();
  let base: string;
  let close: () => Promise<void>;

  before(async () => {
    const s = await startFixtureServer(tmp.file('ui.db'));
    base = s.server.url.replace(/\/$/, '');
    close = s.close;
  });

  after(async () => {
    await close?.();
    tmp.cleanup();
  });

  const json = async (path: string, init?: RequestInit) => {
    const res = await fetch(base + path, init);
    return { status: res.status, body: (await res.json()) as any };
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

  it('answers a run, its episodes, its timeline and its versions', async () => {
    const run = (await json(`/api/runs/${FIXTURE_RUN}`)).body;
    assert.equal(run.drawing.kind, 'grid');
    const eps = (await json(`/api/runs/${FIXTURE_RUN}/episodes`)).body;
    assert.deepEqual(eps.map((e: { episode: number }) => e.episode), [0, 1, 2]);
    const idx = (await json(`/api/runs/${FIXTURE_RUN}/decisions`)).body;
    assert.equal(idx.decision.length, run.decisions);
    assert.deepEqual(idx.decision.slice(0, 3), [0, 1, 2]);
    assert.ok(idx.seq.every((s: number, i: number) => i === 0 || s > idx.seq[i - 1]), 'seq order');
    const versions = (await json(`/api/runs/${FIXTURE_RUN}/versions`)).body;
    for (const list of Object.values(versions) as { update: number }[][]) assert.deepEqual(list.map((v) => v.update), list.map((_v, i) => i + 1));
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

  it('serves the page and the compiled front end, and nothing outside it', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /\/app\/ui\/web\/main\.js/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3)/, 'no external address');
    assert.equal((await fetch(`${base}/app/ui/web/main.js`)).status, 200);
    assert.equal((await fetch(`${base}/vendor/uplot.js`)).status, 200);
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
