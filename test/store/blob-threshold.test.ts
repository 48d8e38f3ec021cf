import assert from 'node:assert/strict';
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { exportRun } from '../../src/store/ndjson/export-run.js';
import { importNdjson } from '../../src/store/ndjson/import-ndjson.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { recordFixture, tempDir } from '../cli/record-fixture.js';

describe('the blob threshold is recorded with the run', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('run.started carries it, and an import re-encodes with it alone', async () => {
    const db = path.join(dir, 'a.sqlite');
    await recordFixture(db, 'small-blobs', { blobThreshold: 4 });
    const s = await SqliteEventStore.open(db);
    let started;
    for await (const e of readEventsOfType(s, 'small-blobs', 'run.started')) started = e;
    assert.equal(started!.payload.blob_threshold, 4);
    const file = path.join(dir, 'a.ndjson');
    const out = createWriteStream(file);
    await exportRun(s, 'small-blobs', out);
    out.end();
    await once(out, 'close');
    await s.close();

    const target = await SqliteEventStore.open(path.join(dir, 'b.sqlite'));
    try {
      await importNdjson(target, file);
      assert.equal((await verifyChain(target, 'small-blobs')).ok, true);
    } finally {
      await target.close();
    }

  });
});
