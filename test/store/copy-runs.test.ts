import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import { copyRuns } from '../../src/store/copy-runs.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { flightrec } from '../cli/run-cli.js';
import { freshSchema, PG_REQUIRED, postgresUnavailable } from '../helpers/postgres.js';
import { componentUpdated, criticEvaluated } from '../helpers/sample-events.js';
import { sqliteOf } from '../helpers/sqlite-of.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';

// Asked before any test is registered: tests start as soon as they are, and the root hooks run when they end.
const unavailable = await postgresUnavailable();
const tmp = tempDir();
after(() => tmp.cleanup());
const hasCode = (code: string) => (e: unknown) => e instanceof FlightrecError && e.code === code;

/** A run with blobs (every fifth event) and component updates, left 'recording' when `end` is false. */
async function record(store: EventStore, id: string, n: number, end = true): Promise<void> {
  const rec = Recorder.using(store);
  const run = await rec.startRun({ id, name: `run ${id}`, env: 'gridworld' });
  for (let i = 0; i < n; i++) run.append(i % 7 === 3 ? componentUpdated(i) : criticEvaluated(i, { rows: i % 5 === 0 ? 24 : 2 }));
  if (end) await run.end('completed');
  else await run.release();
}

/** Every stored column of a run, payloads and hashes as hex, for comparing two stores. */
async function dump(store: EventStore, id: string): Promise<unknown[]> {
  const row = await store.getRun(id);
  const rows = await store.readBySeq(row.pk, 0, 100_000);
  return [
    [row.id, row.name, row.env, row.status, row.created_at, row.head_seq, Buffer.from(row.head_hash ?? []).toString('hex')],
    ...rows.map((r) => [r.seq, r.id, r.type, r.v, r.t, r.episode, r.step, r.decision, r.component, r.version, r.parent, Buffer.from(r.payload).toString('hex'), Buffer.from(r.hash).toString('hex')]),
  ];
}

describe('copy between stores', () => {
  it('SQLite to SQLite: every column and blob arrives, a second copy is a no-op, a resumed run copies only what is new', async () => {
    const from = await openStore(tmp.file('from.db'));
    const to = await openStore(tmp.file('to.db'));
    try {
      await record(from, 'done', 120);
      await record(from, 'open', 30, false);
      const first = await copyRuns(from, to);
      assert.deepEqual(first.map((c) => [c.run, c.copied, c.already, c.chain_ok]), [['done', 122, 0, true], ['open', 31, 0, true]]);
      assert.deepEqual(await dump(to, 'done'), await dump(from, 'done'));
      assert.deepEqual(await dump(to, 'open'), await dump(from, 'open'));
      assert.deepEqual((await copyRuns(from, to)).map((c) => c.copied), [0, 0]);
      const rec = Recorder.using(from);
      const resumed = await rec.resumeRun('open');
      for (let i = 0; i < 10; i++) resumed.append(criticEvaluated(100 + i, { rows: 24 }));
      await resumed.end('completed');
      const again = await copyRuns(from, to, ['open']);
      assert.deepEqual(again.map((c) => [c.copied, c.already, c.status, c.chain_ok]), [[11, 31, 'completed', true]]);
      assert.deepEqual(await dump(to, 'open'), await dump(from, 'open'));
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('refuses a target whose run differs, and a damaged source, writing nothing', async () => {
    const from = await openStore(tmp.file('src2.db'));
    const other = await openStore(tmp.file('other2.db'));
    const to = await openStore(tmp.file('dst2.db'));
    try {
      await record(from, 'same-id', 20);
      await record(other, 'same-id', 20);
      await copyRuns(other, to);
      await assert.rejects(copyRuns(from, to), hasCode('RUN_EXISTS'));
      await record(from, 'damaged', 20);
      sqliteOf(from).prepare("update events set t = t + 1 where seq = 7 and run_pk = (select pk from runs where id = 'damaged')").run();
      await assert.rejects(copyRuns(from, to, ['damaged']), hasCode('CHAIN_BROKEN'));
      assert.equal(await to.findRun('damaged'), undefined, 'nothing of the damaged run was written');
      await assert.rejects(copyRuns(from, to, ['nope']), hasCode('NOT_FOUND'));
    } finally {
      await from.close();
      await other.close();
      await to.close();
    }
  });

  it('the CLI: copy <from> <to> --run, --json, exit 2 for one store named twice or a missing source', () => {
    const a = tmp.file('cli-a.db');
    const r = flightrec(tmp.dir, 'copy', a, a);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /two different stores/);
    const missing = flightrec(tmp.dir, 'copy', tmp.file('missing.db'), tmp.file('cli-b.db'));
    assert.equal(missing.code, 2, missing.stderr);
  });
});

describe('copy to PostgreSQL and back', { skip: unavailable !== null && !PG_REQUIRED ? `SKIPPED: ${unavailable}` : false }, () => {
  it('SQLite → PostgreSQL → SQLite keeps every byte and the chain; the CLI copy is idempotent', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, drop } = await freshSchema('copy');
    try {
      const file = tmp.file('pg-src.db');
      const src = await openStore(file);
      await record(src, 'travel', 150);
      await src.close();
      const there = flightrec(tmp.dir, 'copy', file, url, '--json');
      assert.equal(there.code, 0, there.stderr);
      assert.deepEqual((JSON.parse(there.stdout) as { copied: number; chain_ok: boolean }[]).map((c) => [c.copied, c.chain_ok]), [[152, true]]);
      const twice = flightrec(tmp.dir, 'copy', file, url, '--json');
      assert.deepEqual((JSON.parse(twice.stdout) as { copied: number }[]).map((c) => c.copied), [0]);
      const back = tmp.file('pg-back.db');
      const home = flightrec(tmp.dir, 'copy', url, back, '--run', 'travel');
      assert.equal(home.code, 0, home.stderr);
      const a = await openStore(file, { readonly: true });
      const pgStore = await openStore(url, { readonly: true });
      const b = await openStore(back, { readonly: true });
      try {
        const original = await dump(a, 'travel');
        assert.deepEqual(await dump(pgStore, 'travel'), original);
        assert.deepEqual(await dump(b, 'travel'), original);
        assert.equal((await verifyChain(pgStore, 'travel')).ok, true);
        assert.equal((await verifyChain(b, 'travel')).ok, true);
      } finally {
        await a.close();
        await pgStore.close();
        await b.close();
      }
      const db = rawDatabase(back);
      db.close();
    } finally {
      await drop();
    }
  });
});
