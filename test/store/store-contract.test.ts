import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { storeContract } from '../contracts/store-contract.js';
import { freshSchema, PG_REQUIRED, postgresUnavailable } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-database.js';

// Asked before any test is registered: tests start as soon as they are, and the root hooks run when they end.
const unavailable = await postgresUnavailable();
const tmp = tempDir();
after(() => tmp.cleanup());
let files = 0;

storeContract('SQLite', {
  open: async () => await openStore(tmp.file(`contract-${files++}.db`)),
  reopen: async (s: EventStore) => await openStore(s.location),
});

if (unavailable === null) {
  const drops: (() => Promise<void>)[] = [];
  // A store's location hides the password: a second handle is opened from the URL itself.
  const urls = new WeakMap<EventStore, string>();
  after(async () => {
    for (const d of drops) await d();
  });
  storeContract('PostgreSQL', {
    open: async () => {
      const s = await freshSchema('contract');
      drops.push(s.drop);
      const store = await openStore(s.url);
      urls.set(store, s.url);
      return store;
    },
    reopen: async (s: EventStore) => await openStore(urls.get(s) ?? s.location),
  });
} else if (PG_REQUIRED) {
  describe('EventStore contract: PostgreSQL', () => {
    it('has a server to run against (CI or FLIGHTREC_PG_URL set: no skipping)', () => assert.fail(unavailable));
  });
} else {
  describe('EventStore contract: PostgreSQL', { skip: `SKIPPED: ${unavailable}` }, () => undefined);
}
