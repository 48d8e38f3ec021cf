import assert from 'node:assert/strict';
import { readGlobalUntil } from '../helpers/follow-global.js';
import { after, describe, it } from 'node:test';
import { Recorder } from '../../src/record/recorder.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { freshSchema, PG_REQUIRED, postgresUnavailable } from '../helpers/postgres.js';
import { annotation, criticEvaluated } from '../helpers/sample-events.js';
import pg from 'pg';
import { parseEventInput, type EventInput } from '../../src/events/registry.js';
import { GENESIS_HASH } from '../../src/store/hash-chain.js';
import { prepareEvent } from '../../src/store/prepare-event.js';
import { spawnHelper } from '../helpers/spawn-child.js';

/** How long the 8 writers record, in seconds: FLIGHTREC_PG_SOAK_S (CI sets 60, the soak; 20 s by default for a developer's run). */
const SOAK_S = Number(process.env['FLIGHTREC_PG_SOAK_S'] ?? 20);
const WRITERS = 8;

const unavailable = await postgresUnavailable();
const skip = unavailable !== null && !PG_REQUIRED ? `SKIPPED: ${unavailable}` : false;
const drops: (() => Promise<void>)[] = [];
after(async () => {
  for (const d of drops) await d();
});

async function allRows(store: EventStore, run: string) {
  const row = await store.getRun(run);
  const rows = [];
  for (let from = 0; ; ) {
    const page = await store.readBySeq(row.pk, from, 5000);
    rows.push(...page);
    if (page.length < 5000) return { row, rows };
    from = page[page.length - 1]!.seq + 1;
  }
}

describe('PostgreSQL: many writers on one server', { skip }, () => {
  it(`${WRITERS} writer processes record their own runs for ${SOAK_S} s: 0 lost, 0 duplicated, gapless seqs, every chain intact, a follower skipping nothing`, async (t) => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, drop } = await freshSchema('writers');
    drops.push(drop);
    const runs = Array.from({ length: WRITERS }, (_, i) => `writer-${i}`);
    // All open (and migrate) the empty schema at the same moment, then record.
    const children = runs.map((run, i) => spawnHelper('pg-writer-child.js', [url, run, String(SOAK_S * 1000), String(i)]));
    let running = true;
    const done = Promise.all(children.map((c) => c.exited)).finally(() => {
      running = false;
    });
    const follower = await openStore(url);
    const seen = new Map<string, number>();
    let cursor: string | null = null;
    let pages = 0;
    try {
      // Follow the global position while they write; after they exit, read to the end.
      for (let idle = 0; running || idle < 2; ) {
        const page = await follower.readGlobal(cursor, 5000);
        pages++;
        for (const r of page.rows) seen.set(`${r.run}:${r.seq}`, (seen.get(`${r.run}:${r.seq}`) ?? 0) + 1);
        cursor = page.next;
        if (page.rows.length === 0) {
          if (!running) idle++;
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      const results = await done;
      const reports = results.map((r, i) => {
        assert.equal(r.stderr, '', `writer ${i} wrote nothing on stderr`);
        assert.equal(r.code, 0, `writer ${i} exited 0`);
        return JSON.parse(r.stdout.trim().split('\n').pop()!) as { run: string; emitted: number; duplicates: number; batches: number };
      });
      let expected = 0;
      let stored = 0;
      let duplicated = 0;
      let notFollowed = 0;
      for (const rep of reports) {
        const { row, rows } = await allRows(follower, rep.run);
        expected += rep.emitted + 2;
        stored += rows.length;
        assert.equal(row.status, 'completed');
        assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: rows.length }, (_, i) => i), `${rep.run}: seq gapless from 0`);
        const ids = rows.filter((r) => r.id !== null).map((r) => r.id!);
        duplicated += ids.length - new Set(ids).size;
        assert.equal(ids.length, rep.emitted, `${rep.run}: each of the ${rep.emitted} ids once (${rep.duplicates} repeats recorded as duplicates)`);
        for (const r of rows) if (seen.get(`${rep.run}:${r.seq}`) !== 1) notFollowed++;
        const chain = await verifyChain(follower, rep.run);
        assert.ok(chain.ok, `${rep.run}: ${String(chain.problem)}`);
      }
      const lost = expected - stored;
      const followedTwice = [...seen.values()].filter((n) => n > 1).length;
      t.diagnostic(`${WRITERS} writers, ${SOAK_S} s: ${stored} events stored of ${expected} emitted, lost ${lost}, duplicated ${duplicated}, follower missed or repeated ${notFollowed} (${pages} pages), batches ${reports.reduce((n, r) => n + r.batches, 0)}`);
      assert.equal(lost, 0, 'events lost');
      assert.equal(duplicated, 0, 'events duplicated');
      assert.equal(notFollowed, 0, 'events the follower missed or read twice');
      assert.equal(followedTwice, 0);
      assert.equal(seen.size, stored, 'the follower read exactly the stored events');
    } finally {
      await follower.close();
    }
  });

  it('two writers of the same run: one gets RUN_HAS_ANOTHER_WRITER, the chain is never interleaved', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, drop } = await freshSchema('contend');
    drops.push(drop);
    const rec = await Recorder.open(url);
    const a = await rec.startRun({ id: 'contested', batchSize: 20, batchMs: 1e9 });
    const aCodes: string[] = [];
    a.errors$.subscribe((e) => aCodes.push(e.code));
    await a.flush();
    const child = spawnHelper('recording-child.js', ['contend', url, 'contested', '5000', '20']);
    let childDone = false;
    void child.exited.then(() => {
      childDone = true;
    });
    let i = 0;
    while (aCodes.length === 0 && !childDone) {
      for (let k = 0; k < 20; k++) a.append(criticEvaluated(i++));
      await new Promise((r) => setTimeout(r, 1));
    }
    const { code, stderr } = await child.exited;
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const report = JSON.parse(child.lines.find((l) => l.startsWith('{'))!) as { codes: string[]; flushed: string };
    const refused = [...aCodes, ...report.codes, report.flushed].filter((c) => c === 'RUN_HAS_ANOTHER_WRITER');
    assert.ok(refused.length > 0, `one writer was refused (parent ${aCodes.join(',')}, child ${JSON.stringify(report)})`);
    for (const c of [...aCodes, ...report.codes]) assert.equal(c, 'RUN_HAS_ANOTHER_WRITER', 'no other kind of failure');
    await rec.close().catch(() => undefined);
    await rec.store.close();
    const store = await openStore(url);
    try {
      const { rows } = await allRows(store, 'contested');
      assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: rows.length }, (_, k) => k));
      const chain = await verifyChain(store, 'contested');
      assert.ok(chain.ok, String(chain.problem));
    } finally {
      await store.close();
    }
  });

  it('a batch retried after its commit (a lost acknowledgement) is recognised by its chain hash and stored once', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, drop } = await freshSchema('retry');
    drops.push(drop);
    const rec = await Recorder.open(url);
    try {
      const run = await rec.startRun({ id: 'retry' });
      for (let k = 0; k < 10; k++) run.append(criticEvaluated(k));
      await run.flush();
      const { row, rows } = await allRows(rec.store, 'retry');
      const batch = rows.slice(1).map(({ run_pk: _pk, pos: _pos, ...e }) => e);
      rec.store.appendBatch(row, 0, batch, new Map());
      assert.equal((await allRows(rec.store, 'retry')).rows.length, 11, 'nothing added');
      const altered = batch.map((e, k) => (k === batch.length - 1 ? { ...e, hash: new Uint8Array(32) } : e));
      assert.throws(() => rec.store.appendBatch(row, 0, altered, new Map()), (e: unknown) => (e as { code?: string }).code === 'RUN_HAS_ANOTHER_WRITER');
      await run.close();
    } finally {
      await rec.close();
    }
  });

  it('a follower never skips an event committed late with a smaller pos (the xid8 / xmin order)', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, drop } = await freshSchema('late');
    drops.push(drop);
    const store = await openStore(url);
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    try {
      const a = await store.createRun({ id: 'slow', name: null, env: null, backend: null, sourceRun: null });
      const b = await store.createRun({ id: 'fast', name: null, env: null, backend: null, sourceRun: null });
      // The slow writer takes its pos first and commits last.
      await slow.query('begin');
      const late = (await slow.query("insert into events (run_pk, seq, type, v, t, payload, hash) values ($1, 0, 'annotation', 1, 0, '\\x00', '\\x00') returning pos", [a.pk])).rows[0].pos as string;
      const input = annotation(1);
      parseEventInput(input);
      store.appendBatch(b, -1, [prepareEvent(input as EventInput, 'fast', 0, GENESIS_HASH, new Map())], new Map());
      const before = await store.readGlobal(null, 100);
      assert.deepEqual(before.rows, [], 'nothing past the oldest running transaction is handed out');
      const naive = (await store.db.selectFrom('events').select('pos').orderBy('pos').execute()).map((r) => r.pos);
      assert.equal(naive.length, 1, 'by pos alone a follower sees only the fast event…');
      assert.ok(naive[0]! > Number(late), '…and would move past the slow one, which has the smaller pos');
      await slow.query('commit');
      const after = await readGlobalUntil(store, before.next, 100, 2);
      assert.deepEqual(after.rows.map((r) => `${r.run}:${r.pos}`), [`slow:${Number(late)}`, `fast:${naive[0]!}`], 'the late commit comes first, nothing is skipped');
    } finally {
      await slow.end();
      await store.close();
    }
  });
});
