import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { ServerAccess } from '../../src/serve/server-access.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { startUiServer, type UiServer } from '../../src/ui/ui-server.js';
import { launchBrowser, watchErrors } from '../helpers/browser.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/flightrec-0.1.0.sqlite', import.meta.url));

/** The reference agent's short recorded run in the released fixture (3 episodes, gridworld, performance signal recorded). */
export const FIXTURE_RUN = 'reference-gridworld';

/**
 * A viewer server on a free loopback port over a copy of a database: the released fixture, or
 * the file in FLIGHTREC_UI_DB (to take the README's screenshots on the demo run).
 */
export async function startFixtureServer(file: string, options: { token?: string; source?: string } = {}): Promise<{ server: UiServer; store: SqliteEventStore; close: () => Promise<void> }> {
  copyFileSync(options.source ?? FIXTURE, file);
  const store = await SqliteEventStore.open(file, { mustExist: true });
  const access = ServerAccess.resolve({ host: '127.0.0.1', token: options.token ?? null }, {});
  const server = await startUiServer({ store, dbPath: file, access, port: 0 });
  return {
    server,
    store,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

/** A viewer server over a recorded database and a fresh headless chromium page that collects console errors. */
export interface OpenViewer {
  store: SqliteEventStore;
  server: UiServer;
  page: Page;
  /** Every console error and uncaught page error so far: a test asserts there were none. */
  errors: string[];
  close: () => Promise<void>;
}

/** Opens `db` (which must exist) in a viewer server on a free loopback port, and a page in chromium. */
export async function openViewer(db: string): Promise<OpenViewer> {
  const store = await SqliteEventStore.open(db, { mustExist: true });
  const server = await startUiServer({ store, dbPath: db, access: ServerAccess.resolve({ host: '127.0.0.1', token: null }, {}), port: 0 });
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  return {
    store,
    server,
    page,
    errors,
    close: async () => {
      await browser.close();
      await server.close();
      await store.close();
    },
  };
}
