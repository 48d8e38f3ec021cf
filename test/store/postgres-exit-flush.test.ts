import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { freshSchema, PG_REQUIRED, postgresUnavailable } from '../helpers/postgres.js';
import { spawnHelper } from '../helpers/spawn-child.js';

const unavailable = await postgresUnavailable();
const drops: (() => Promise<void>)[] = [];
after(async () => {
  for (const d of drops) await d();
});

async function seqs(store: EventStore, run: string): Promise<number[]> {
  return (await store.readBySeq((await store.getRun(run)).pk, 0, 10_000)).map((r) => r.seq);
}

/** The synchronous bridge's reason to exist: exit and signal handlers write to PostgreSQL as they do to SQLite. */
describe('PostgreSQL: what is buffered is flushed at exit and on SIGTERM', { skip: unavailable !== null && !PG_REQUIRED ? `SKIPPED: ${unavailable}` : false }, () => {
  it('a process that returns without close() stores every appended event from its exit handler', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, drop } = await freshSchema('exit');
    drops.push(drop);
    const { code, stderr } = await spawnHelper('recording-child.js', ['exit', url, 'quit', '77']).exited;
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const store = await openStore(url, { readonly: true });
    try {
      assert.deepEqual(await seqs(store, 'quit'), Array.from({ length: 78 }, (_, i) => i), 'run.started and 77 events, all flushed at exit');
      assert.equal((await store.getRun('quit')).status, 'recording');
      assert.ok((await verifyChain(store, 'quit')).ok);
    } finally {
      await store.close();
    }
  });

  it('SIGTERM writes the open batch and run.ended (interrupted), exit 143', async () => {
    if (unavailable !== null) assert.fail(unavailable);
    const { url, drop } = await freshSchema('sigterm');
    drops.push(drop);
    const child = spawnHelper('recording-child.js', ['sigterm', url, 'term', '123']);
    await child.waitForLine((l) => l === 'ready');
    child.proc.kill('SIGTERM');
    const { code, stderr } = await child.exited;
    assert.equal(stderr, '');
    assert.equal(code, 143);
    const store = await openStore(url, { readonly: true });
    try {
      assert.deepEqual(await seqs(store, 'term'), Array.from({ length: 125 }, (_, i) => i), 'run.started, 123 events, run.ended');
      assert.equal((await store.getRun('term')).status, 'interrupted');
      assert.ok((await verifyChain(store, 'term')).ok);
    } finally {
      await store.close();
    }
  });
});
