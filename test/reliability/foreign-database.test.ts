import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MIGRATIONS } from '../../migrations/index.js';
import { Recorder } from '../../src/record/recorder.js';
import { inspectSchema } from '../../src/store/inspect-schema.js';
import { SchemaNeedsMigrationError } from '../../src/store/store-errors.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { recordFixture } from '../cli/record-fixture.js';
import { CLI, flightrec } from '../cli/run-cli.js';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/temp-database.js';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every command that only reads, with the arguments it needs (the run ids do not exist in a foreign file: the file is refused first). */
const READERS: string[][] = [['runs'], ['events', 'r'], ['show', 'r', '0'], ['verify', '--all'], ['verify', 'r'], ['audit', 'r'], ['diff', 'r', 's'], ['export', 'r', '--out', 'x.ndjson'], ['seal', 'r', '--out', 'x.seal'], ['blame', 'r', '0', '--against', 'critic=@latest'], ['replay', 'r', '--verify']];

describe('files that are not flightrec databases are left untouched', () => {
  const tmp = tempDir();
  const foreignWal = tmp.file('app-wal.sqlite');
  const foreignRollback = tmp.file('app.sqlite');
  const notSqlite = tmp.file('notes.txt');

  before(() => {
    for (const [file, wal] of [[foreignWal, true], [foreignRollback, false]] as const) {
      const db = new Database(file);
      if (wal) db.pragma('journal_mode = WAL');
      db.exec("create table users (id integer primary key, name text); insert into users (name) values ('ada'), ('grace'); create view names as select name from users");
      db.close();
    }
    writeFileSync(notSqlite, 'this is a text file, not a database\n'.repeat(200));
  });
  after(() => tmp.cleanup());

  // Every reader on one kind of file through the CLI, a few on the others (each CLI start costs seconds on a loaded machine);
  // the library's read-only and write opens on all of them.
  const KINDS = [
    ['a rollback-journal SQLite file of another program', () => foreignRollback, READERS],
    ['a WAL-mode SQLite file of another program', () => foreignWal, [['runs']]],
    ['a file that is not SQLite at all', () => notSqlite, [['events', 'r']]],
  ] as const;
  for (const [label, file, readers] of KINDS) {
    it(`${label}: read and write opens are refused naming it, and the file stays byte-identical`, async () => {
      const before = sha(file());
      const sidecars = readdirSync(tmp.dir).filter((f) => !f.endsWith('-shm') && !f.endsWith('-wal')).sort();
      for (const args of readers) {
        const r = flightrec(tmp.dir, '--db', file(), ...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /\[NOT_A_FLIGHTREC_DATABASE\]/, args.join(' '));
        assert.ok(r.stderr.includes(file()), `${args.join(' ')} names the file: ${r.stderr}`);
        assert.equal(r.stdout, '');
      }
      const refused = (e: unknown) => (e as { code?: string }).code === 'NOT_A_FLIGHTREC_DATABASE' && String((e as Error).message).includes(file());
      await assert.rejects(SqliteEventStore.open(file(), { readonly: true }), refused);
      await assert.rejects(SqliteEventStore.open(file(), { mustExist: true }), refused);
      await assert.rejects(Recorder.open(file()), refused);
      assert.equal(sha(file()), before);
      // A read-only connection on a WAL file creates its -shm (and an empty -wal) as any SQLite reader does; the file itself is unchanged.
      assert.deepEqual(readdirSync(tmp.dir).filter((f) => !f.endsWith('-shm') && !f.endsWith('-wal')).sort(), sidecars, 'no output files were created');
      if (file() !== foreignWal) assert.equal(existsSync(`${file()}-wal`) || existsSync(`${file()}-shm`), false, 'no sidecar files beside a rollback-journal file');
      else if (existsSync(`${file()}-wal`)) assert.equal(readFileSync(`${file()}-wal`).length, 0);
    });
  }

  it('write commands refuse it too (import, replay, migrate), and it stays byte-identical', async () => {
    const before = sha(foreignRollback);
    const exportFile = tmp.file('some.ndjson');
    const src = tmp.file('src.db');
    await recordFixture(src, 'imp', { decisions: 1 });
    assert.equal(flightrec(tmp.dir, '--db', src, 'export', 'imp', '--out', exportFile).code, 0);
    for (const args of [['import', exportFile], ['replay', 'r', '--swap', 'critic=@latest'], ['migrate']]) {
      const r = flightrec(tmp.dir, '--db', foreignRollback, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /\[NOT_A_FLIGHTREC_DATABASE\]/, args.join(' '));
    }
    assert.equal(sha(foreignRollback), before);
  });

  it('an empty file is refused by readers and becomes a flightrec database for a writer', async () => {
    const empty = tmp.file('empty.db');
    writeFileSync(empty, '');
    const r = flightrec(tmp.dir, '--db', empty, 'runs');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /empty/);
    assert.equal(readFileSync(empty).length, 0);
    await recordFixture(empty, 'first', { decisions: 1 });
    assert.match(flightrec(tmp.dir, '--db', empty, 'runs').stdout, /first/);
  });

  it('a read command changes nothing in a flightrec database (no migration, no journal-mode switch)', async () => {
    const db = tmp.file('ours.db');
    await recordFixture(db, 'mine', { decisions: 2 });
    const before = sha(db);
    for (const args of [['verify', '--all'], ['export', 'mine', '--out', tmp.file('mine.ndjson')]]) {
      const r = flightrec(tmp.dir, '--db', db, ...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal(sha(db), before);
  });

  it('a database that needs a migration is refused by readers, naming the command that migrates it', async () => {
    const db = tmp.file('older.db');
    await (await Recorder.open(db)).close();
    const raw = new Database(db, { readonly: true });
    const later = { ...MIGRATIONS, '0999-later': { up: async () => undefined } };
    const state = inspectSchema(raw, later);
    raw.close();
    assert.deepEqual(state, { kind: 'flightrec', applied: Object.keys(MIGRATIONS), pending: ['0999-later'], unknown: [] });
    const e = new SchemaNeedsMigrationError(db, ['0999-later']);
    assert.equal(e.code, 'SCHEMA_NEEDS_MIGRATION');
    assert.match(String(e.details.hint), /flightrec migrate --db .*older\.db/);
    const m = flightrec(tmp.dir, '--db', db, 'migrate');
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /up to date/);
  });

  it('a flightrec database in a read-only directory can be listed, verified and exported', async () => {
    const ro = tempDir();
    try {
      const db = ro.file('ro.db');
      await recordFixture(db, 'frozen', { decisions: 2 });
      assert.equal(existsSync(`${db}-wal`), false, 'a closed WAL database has no -wal file');
      chmodSync(db, 0o444);
      chmodSync(ro.dir, 0o555);
      // root ignores permissions, so as root the CLI runs without the capabilities that bypass them.
      // Dropping capabilities, rather than switching to an unprivileged uid, keeps the CLI's own files
      // readable wherever the checkout lives (a 0700 ancestor hid them from uid 65534).
      const asUser = (...args: string[]) => {
        const root = process.getuid?.() === 0;
        const argv = [process.execPath, CLI, '--db', db, ...args];
        const cmd = root ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search,-fowner', '--', ...argv] : argv;
        const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: '/', encoding: 'utf8' });
        assert.equal(r.error, undefined, `could not run ${cmd[0]}: ${String(r.error)}`);
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const before = sha(db);
      const runs = asUser('runs');
      assert.equal(runs.code, 0, runs.stderr);
      assert.match(runs.stdout, /frozen/);
      const ev = asUser('verify', '--all', '--json');
      assert.equal(ev.code, 0, ev.stderr);
      assert.match(ev.stdout, /"ok":true/);
      assert.equal(sha(db), before);
      const store = await SqliteEventStore.open(db, { readonly: true });
      assert.equal((await store.listRuns()).length, 1);
      await store.close();
    } finally {
      chmodSync(ro.dir, 0o755);
      ro.cleanup();
    }
  });
});
