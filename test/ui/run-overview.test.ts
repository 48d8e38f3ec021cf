import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import type { OverviewDelta } from '../../src/ui/api-schemas.js';
import { RunOverview } from '../../src/ui/run-overview.js';
import { tempDir } from '../helpers/temp-database.js';
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIXTURE_RUN } from './ui-fixture.js';
import { openStore } from '../../src/store/open-store.js';
import { recordSyntheticRun } from '../../bench/diff-benchmark.js';
import { PG_REQUIRED, freshSchema, postgresUnavailable } from '../helpers/postgres.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/flightrec-0.1.0.sqlite', import.meta.url));

/** A fold's lines applied in order, as the run page applies them. */
function applied(lines: OverviewDelta[], start = { episodes: [] as OverviewDelta['episodes'], segments: [] as OverviewDelta['segments'], versions: {} as OverviewDelta['versions'] }) {
  const o = structuredClone(start);
  for (const l of lines) {
    o.episodes.length = l.episodes_from;
    o.episodes.push(...l.episodes);
    o.segments.length = l.segments_from;
    o.segments.push(...l.segments);
    for (const [k, v] of Object.entries(l.versions)) (o.versions[k] ??= []).push(...v);
  }
  return o;
}

async function fold(o: RunOverview, store: SqliteEventStore, head: number): Promise<OverviewDelta[]> {
  const row = { ...(await store.getRun(o.run)), head_seq: head };
  const out: OverviewDelta[] = [];
  for await (const d of o.advance(store, row)) out.push(structuredClone(d));
  return out;
}

/** The run page's projection of a run on the released fixture (90 decisions, 3 episodes, 64 version changes). */
describe('RunOverview', () => {
  const tmp = tempDir();
  let store: SqliteEventStore;
  before(async () => {
    copyFileSync(FIXTURE, tmp.file('o.db'));
    store = await SqliteEventStore.open(tmp.file('o.db'), { mustExist: true });
  });
  after(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('holds the timeline as one segment per episode, and each version change at the decision then current', async () => {
    const o = new RunOverview(FIXTURE_RUN);
    const head = (await store.getRun(FIXTURE_RUN)).head_seq;
    const lines = await fold(o, store, head);
    assert.equal(o.foldedTo, head);
    assert.equal(o.decisions, 90);
    const pk = (await store.getRun(FIXTURE_RUN)).pk;
    const starts = await store.db.selectFrom('events').select(['seq', 'decision', 'episode', 'step']).where('run_pk', '=', pk).where('type', '=', 'decision.started').orderBy('seq').execute();
    const episodes = new Set(starts.map((r) => r.episode));
    assert.equal(o.timeline.length, episodes.size, JSON.stringify(o.timeline));
    assert.deepEqual(o.timeline.map((s) => s.count).reduce((a, b) => a + b, 0), 90);
    const changes = await store.db.selectFrom('events').select(['seq', 'component']).where('run_pk', '=', pk).where('type', '=', 'component.updated').orderBy('seq').execute();
    const flat = Object.entries(o.versions).flatMap(([k, v]) => v.map((x) => ({ k, ...x })));
    assert.equal(flat.length, changes.length);
    // The decision of a change is the last decision.started before it.
    const expected = changes.map((c) => ({ k: c.component, decision: [...starts].reverse().find((s) => s.seq < c.seq)?.decision ?? starts[0]!.decision }));
    assert.deepEqual(flat.map((f) => ({ k: f.k, decision: f.decision })).sort((a, b) => a.k.localeCompare(b.k) || a.decision - b.decision), expected.sort((a, b) => a.k!.localeCompare(b.k!) || a.decision! - b.decision!));
    assert.deepEqual(applied(lines), { episodes: o.episodes, segments: o.timeline, versions: o.versions });
  });

  it('folded in steps as a run grows, ends where one fold of the whole run ends, and sends only what each step added', async () => {
    const head = (await store.getRun(FIXTURE_RUN)).head_seq;
    const whole = new RunOverview(FIXTURE_RUN);
    await fold(whole, store, head);
    const grown = new RunOverview(FIXTURE_RUN);
    let page = applied([]);
    // Heads that cut inside a decision, just after an episode's end and at the very start.
    for (const h of [0, 6, 7, 30, 400, 401, 790, 1000, head, head]) {
      const lines = await fold(grown, store, h);
      assert.ok(lines.at(-1)!.done);
      page = applied(lines, page);
      assert.deepEqual(page, { episodes: grown.episodes, segments: grown.timeline, versions: grown.versions }, `the page's copy after head ${h}`);
    }
    assert.deepEqual(grown.snapshot(), whole.snapshot());
  });
});

describe('RunOverview on PostgreSQL', () => {
  it('folds a run in steps to the same timeline and episodes as its decision.started and episode.ended rows', async (t) => {
    const why = await postgresUnavailable();
    if (why !== null && !PG_REQUIRED) return t.skip(why);
    const { url, drop } = await freshSchema('overview');
    try {
      await recordSyntheticRun(url, 'pg-overview', 450); // 200-step episodes: three, the last one short
      const store = await openStore(url, { mustExist: true });
      try {
        const run = await store.getRun('pg-overview');
        const o = new RunOverview('pg-overview');
        for (const head of [0, 1000, 3401, 3402, run.head_seq]) for await (const d of o.advance(store, { ...run, head_seq: head })) void d;
        const rows = await store.db.selectFrom('events').select(['decision', 'episode', 'step']).where('run_pk', '=', run.pk).where('type', '=', 'decision.started').orderBy('seq').execute();
        const expanded = o.timeline.flatMap((g) => Array.from({ length: g.count }, (_, i) => [g.decision + i, g.episode, g.step === null ? null : g.step + i]));
        assert.deepEqual(expanded, rows.map((r) => [r.decision, r.episode, r.step]));
        assert.equal(o.timeline.length, 3, 'one segment per episode');
        const ends = await store.db.selectFrom('events').select('episode').where('run_pk', '=', run.pk).where('type', '=', 'episode.ended').orderBy('seq').execute();
        assert.deepEqual(o.episodes.map((e) => e.episode), ends.map((e) => e.episode));
        assert.ok(o.episodes.length >= 2);
        assert.equal(o.foldedTo, run.head_seq);
      } finally {
        await store.close();
      }
    } finally {
      await drop();
    }
  });
});
