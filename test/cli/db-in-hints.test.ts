import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { dbFlag, dbShown, passwordNote } from '../../src/cli/db-flag.js';
import { tempDir } from '../helpers/temp-database.js';
import { freshSchema, PG_REQUIRED, PG_URL, postgresUnavailable } from '../helpers/postgres.js';
import { CLI, flightrec } from './run-cli.js';

/** A printed hint, pasted into sh as a user would, with `npx flightrec` standing for the built CLI. */
function paste(hint: string, env: NodeJS.ProcessEnv = process.env) {
  const command = hint.replace(/\s+#.*$/, '').trim().replace(/^npx flightrec /, `'${process.execPath}' '${CLI}' `);
  return spawnSync('sh', ['-c', command], { cwd: '/', encoding: 'utf8', env });
}

const verifyHint = (stdout: string) => stdout.split('\n').find((l) => l.trimStart().startsWith('npx flightrec verify '))!;

describe('the --db in printed hints', () => {
  it('a path reaches the same file through sh, whatever it contains', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0')), (p) => {
        const flag = dbFlag(`/x/${p}`);
        const r = spawnSync('sh', ['-c', `printf %s${flag.replace(/^ --db/, '')}`], { encoding: 'utf8' });
        assert.equal(r.stdout, `/x/${p}`);
      }),
      { numRuns: 200 },
    );
  });

  it('is empty for the store used by default and keeps no URL password', () => {
    assert.equal(dbFlag(process.env['FLIGHTREC_DB'] || './flightrec.db'), '');
    assert.equal(dbFlag('postgres://ann:s3cret@db.example:5432/runs'), ' --db postgres://ann@db.example:5432/runs');
    assert.equal(dbShown('postgres://ann:s3cret@db.example:5432/runs'), 'postgres://ann:***@db.example:5432/runs');
    assert.match(passwordNote('postgres://ann:s3cret@db.example:5432/runs') ?? '', /PGPASSWORD/);
    assert.equal(passwordNote('postgres://ann@db.example:5432/runs'), null);
    assert.equal(passwordNote('/tmp/a.db'), null);
  });

  describe('demo into a directory whose name needs quoting', () => {
    const tmp = tempDir();
    after(() => tmp.cleanup());
    it("prints a verify hint that works pasted into sh", () => {
      const dir = tmp.file(`it's a "db" $HOME`);
      mkdirSync(dir);
      const db = path.join(dir, 'demo.db');
      const r = flightrec('/', 'demo', '--episodes', '1', '--seed', '2', '--db', db);
      assert.equal(r.code, 0, r.stderr);
      const pasted = paste(verifyHint(r.stdout));
      assert.equal(pasted.status, 0, pasted.stderr);
      assert.match(pasted.stdout, / ok/);
    });
  });

  describe('demo into PostgreSQL with a password in the URL', async () => {
    const why = await postgresUnavailable();
    const skip = why !== null && !PG_REQUIRED ? why : false;
    let schema: Awaited<ReturnType<typeof freshSchema>> | undefined;
    before(async () => {
      if (skip === false) schema = await freshSchema('hints');
    });
    after(async () => schema?.drop());
    it('prints no password, says how to give it, and its hint works with PGPASSWORD', { skip }, () => {
      const password = decodeURIComponent(new URL(PG_URL).password);
      assert.notEqual(password, '', 'the test server URL has a password');
      const r = flightrec('/', 'demo', '--episodes', '1', '--seed', '2', '--db', schema!.url);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((r.stdout + r.stderr).includes(`:${password}@`), false, r.stdout);
      assert.match(r.stdout, /password is not printed: set PGPASSWORD/);
      const pasted = paste(verifyHint(r.stdout), { ...process.env, PGPASSWORD: password, FLIGHTREC_DB: '' });
      assert.equal(pasted.status, 0, pasted.stderr);
      assert.match(pasted.stdout, / ok/);
    });
  });
});
