import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Recorder } from '../../src/record/recorder.js';
import { openStore } from '../../src/store/open-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { adminQuery, freshSchema, PG_REQUIRED, postgresUnavailable } from '../helpers/postgres.js';
import { criticEvaluated } from '../helpers/sample-events.js';

const unavailable = await postgresUnavailable();
const drops: (() => Promise<void>)[] = [];
after(async () => {
  for (const d of drops) await d();
});

/** A fresh schema whose connections carry an application name of their own, so `terminate` ends only them. */
async function namedSchema(label: string): Promise<{ url: string; app: string }> {
  const { url, drop } = await freshSchema(label);
  drops.push(drop);
  const app = `fr_reconnect_${randomBytes(4).toString('hex')}`;
  return { url: `${url}&application_name=${app}`, app };
}

/** Ends every server backend of the connections named `app`, as a server restart or a dropped link would. */
async function terminate(app: string): Promise<number> {
  const rows = await adminQuery<{ ok: boolean }>('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', [app]);
  return rows.filter((r) => r.ok).length;
}

describe('PostgreSQL: a lost connection is replaced, and nothing recorded is lost', { skip: unavailable !== null && !PG_REQUIRED ? `SKIPPED: ${unavailable}` : false }, () => {
  it('a recorder keeps recording after the server ends its connections, with every event stored once', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, app } = await namedSchema('reconnect');
    const rec = await Recorder.open(url);
    const run = await rec.startRun({ id: 'cut' });
    for (let i = 0; i < 300; i++) run.append(criticEvaluated(i, { rows: i % 9 === 0 ? 24 : 2 }));
    await run.flush();
    assert.ok((await terminate(app)) >= 1, 'the writer connection was ended');
    // The ended connection is noticed asynchronously; a write that meets it fails and keeps its rows.
    for (let i = 300; i < 600; i++) run.append(criticEvaluated(i, { rows: i % 9 === 0 ? 24 : 2 }));
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        await run.flush();
        break;
      } catch (e) {
        assert.ok(attempts < 3, `flush still failing after ${attempts} attempts: ${(e as Error).message}`);
      }
    }
    await run.end('completed');
    await rec.close();
    const store = await openStore(url, { readonly: true });
    try {
      const seqs = (await store.readBySeq((await store.getRun('cut')).pk, 0, 10_000)).map((r) => r.seq);
      assert.deepEqual(seqs, Array.from({ length: 602 }, (_, i) => i), 'run.started, 600 events and run.ended, each once');
      assert.equal((await store.getRun('cut')).status, 'completed');
      assert.ok((await verifyChain(store, 'cut')).ok);
    } finally {
      await store.close();
    }
  });

  it('a reader survives its idle connections being ended and reads again', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, app } = await namedSchema('reconnect_read');
    const rec = await Recorder.open(url);
    const run = await rec.startRun({ id: 'kept' });
    run.append(criticEvaluated(0));
    await run.end('completed');
    await rec.close();
    const store = await openStore(url, { readonly: true });
    try {
      assert.equal((await store.listRuns()).length, 1);
      assert.ok((await terminate(app)) >= 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await store.listRuns()).length, 1, 'the pool opened a new connection');
      assert.equal((await store.getRun('kept')).status, 'completed');
    } finally {
      await store.close();
    }
  });
});
