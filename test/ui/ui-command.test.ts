import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/flightrec-0.1.0.sqlite', import.meta.url));

describe('flightrec ui (command)', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('serves the database on loopback, prints its URL, and stops on SIGINT with exit 0', async () => {
    const db = tmp.file('ui.db');
    copyFileSync(FIXTURE, db);
    const child = spawn(process.execPath, [CLI, 'ui', '--db', db, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    while (!out.includes('\n')) await once(child.stdout, 'data');
    const { url } = JSON.parse(out.split('\n')[0]!) as { url: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const runs = (await (await fetch(`${url}api/runs`)).json()) as { id: string }[];
    assert.ok(runs.some((r) => r.id === 'reference-gridworld'));
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });

  it('refuses to listen beyond loopback without a token, and a missing database, with exit 2', () => {
    const db = tmp.file('ui2.db');
    copyFileSync(FIXTURE, db);
    let r = flightrec(tmp.dir, 'ui', '--db', db, '--host', '0.0.0.0');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--token/);
    r = flightrec(tmp.dir, 'ui', '--db', tmp.file('missing.db'), '--port', '0');
    assert.equal(r.code, 2);
    r = flightrec(tmp.dir, 'ui', '--db', db, '--port', 'eighty');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port/);
  });
});
