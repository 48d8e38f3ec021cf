import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { annotation } from '../helpers/sample-events.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const newFile = () => tmp.file(`pages-${n++}.db`);

function pageSizeOf(file: string): number {
  const db = rawDatabase(file);
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('the page size of a new SQLite file', () => {
  it('is 8 KiB by default, and the option sets another for a new file only', async () => {
    const plain = newFile();
    await (await SqliteEventStore.open(plain)).close();
    assert.equal(pageSizeOf(plain), 8192);

    const small = newFile();
    const rec = await Recorder.open(small, { pageSize: 4096 });
    const run = await rec.startRun({ id: 'r' });
    for (let i = 0; i < 50; i++) run.append(annotation(i));
    await run.end();
    await rec.close();
    assert.equal(pageSizeOf(small), 4096);

    // An existing file keeps the page size it was made with, and what it holds still verifies.
    const again = await SqliteEventStore.open(small, { pageSize: 65536 });
    try {
      assert.equal(pageSizeOf(small), 4096);
      assert.equal((await verifyChain(again, 'r')).ok, true);
    } finally {
      await again.close();
    }
  });

  it('refuses anything but a power of two from 512 to 65536, naming the field and the value, and creates no file', async () => {
    const bad = fc.oneof(
      fc.integer({ min: -100_000, max: 200_000 }).filter((x) => x < 512 || x > 65536 || (x & (x - 1)) !== 0),
      fc.constantFrom(Number.NaN, Infinity, 4096.5, 131072, 256),
    );
    await fc.assert(
      fc.asyncProperty(bad, async (pageSize) => {
        const file = newFile();
        await assert.rejects(SqliteEventStore.open(file, { pageSize }), (e: unknown) => {
          assert.ok(e instanceof FlightrecError);
          assert.equal(e.code, 'INVALID_INPUT');
          assert.equal(e.details.field, 'pageSize');
          assert.ok(Object.is(e.details.value, pageSize));
          assert.match(e.message, /pageSize/);
          return true;
        });
        assert.equal(existsSync(file), false, 'no file is made for a refused open');
      }),
      { numRuns: 40 },
    );
  });

  it('accepts every power of two from 512 to 65536', async () => {
    for (let size = 512; size <= 65536; size *= 2) {
      const file = newFile();
      await (await SqliteEventStore.open(file, { pageSize: size })).close();
      assert.equal(pageSizeOf(file), size);
    }
  });
});
