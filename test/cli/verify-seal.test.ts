import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { recordFixture, tempDir as makeTempDir } from './record-fixture.js';
import { flightrec, jsonLines } from './run-cli.js';

/** Edits a database behind flightrec's back, as an attacker or a bad tool would. */
function tamper(db: string, edit: (sql: Database.Database, runPk: number) => void, run: string): void {
  const sql = new Database(db);
  try {
    edit(sql, sql.prepare('select pk from runs where id = ?').pluck().get(run) as number);
  } finally {
    sql.close();
  }
}

describe('flightrec verify / seal', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = makeTempDir();
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('verify reports ok for intact runs, per run and with --all', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'ok.db');
    const count = await recordFixture(db, 'a');
    await recordFixture(db, 'b');
    const one = flightrec(dir, '--db', db, 'verify', 'a');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^RUN\s+EVENTS\s+RESULT\na\s+17\s+ok\n$/);
    const all = flightrec(dir, '--db', db, 'verify', '--all', '--json');
    assert.equal(all.code, 0, all.stderr);
    const reports = jsonLines(all.stdout) as { run: string; events: number; ok: boolean; first_bad_seq: number | null }[];
    assert.deepEqual(reports.map((r) => [r.run, r.events, r.ok, r.first_bad_seq]), [['b', count, true, null], ['a', count, true, null]]);
  });

  it('verify exits 1 and names the first bad seq after a payload is rewritten in SQLite', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'tampered.db');
    await recordFixture(db, 'good');
    await recordFixture(db, 'bad');
    tamper(db, (sql, pk) => sql.prepare('update events set payload = ? where run_pk = ? and seq = 5').run(Buffer.from([3, 8]), pk), 'bad');
    const r = flightrec(dir, '--db', db, 'verify', 'bad');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /bad\s+17\s+FAILED at seq 5: event seq 5 does not match its hash/);
    const all = flightrec(dir, '--db', db, 'verify', '--all', '--json');
    assert.equal(all.code, 1);
    const byRun = Object.fromEntries((jsonLines(all.stdout) as { run: string; ok: boolean; first_bad_seq: number | null }[]).map((x) => [x.run, [x.ok, x.first_bad_seq]]));
    assert.deepEqual(byRun, { good: [true, null], bad: [false, 5] });
    const seal = flightrec(dir, '--db', db, 'seal', 'bad');
    assert.equal(seal.code, 2, 'a broken chain is not sealed');
    assert.match(seal.stderr, /run bad does not verify \(first bad seq 5/);
  });

  it('seal writes the head; verify --seal catches a truncated tail that plain verify cannot', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'sealed.db');
    const count = await recordFixture(db, 'r1');
    const sealed = flightrec(dir, '--db', db, 'seal', 'r1');
    assert.equal(sealed.code, 0, sealed.stderr);
    assert.match(sealed.stdout, new RegExp(`^sealed run r1: ${count} events, head [0-9a-f]{64} → r1\\.seal\\.json\\n$`));
    const seal = JSON.parse(readFileSync(path.join(dir, 'r1.seal.json'), 'utf8')) as { run: string; events: number; head_hash: string };
    assert.deepEqual([seal.run, seal.events], ['r1', count]);
    assert.equal(flightrec(dir, '--db', db, 'verify', 'r1', '--seal', 'r1.seal.json').code, 0);

    // Drop the last 3 events and make the runs table agree, so the chain itself looks whole.
    tamper(db, (sql, pk) => {
      sql.prepare('delete from events where run_pk = ? and seq >= ?').run(pk, count - 3);
      const hash = sql.prepare('select hash from events where run_pk = ? and seq = ?').pluck().get(pk, count - 4);
      sql.prepare('update runs set head_seq = ?, head_hash = ? where pk = ?').run(count - 4, hash, pk);
    }, 'r1');
    assert.equal(flightrec(dir, '--db', db, 'verify', 'r1').code, 0, 'without the seal the truncation is invisible');
    const r = flightrec(dir, '--db', db, 'verify', '--seal', 'r1.seal.json', '--json');
    assert.equal(r.code, 1);
    const [report] = jsonLines(r.stdout) as { run: string; ok: boolean; first_bad_seq: number; problem: string }[];
    assert.deepEqual([report!.run, report!.ok, report!.first_bad_seq], ['r1', false, count - 3]);
    assert.match(report!.problem, /tail missing/);
  });

  it('seal --out, and verify --seal rejects a malformed or mismatched seal file clearly', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'seals.db');
    await recordFixture(db, 'x');
    const r = flightrec(dir, '--db', db, 'seal', 'x', '--out', 'elsewhere.json', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { file: string }).file, 'elsewhere.json');
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ run: 'x', events: 17, head_hash: 'abc' }));
    const bad = flightrec(dir, '--db', db, 'verify', 'x', '--seal', 'bad.json');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /seal file bad\.json: head_hash: expected a sha256 as 64 lowercase hex digits, received "abc"/);
    writeFileSync(path.join(dir, 'notjson.json'), '{run: x');
    assert.match(flightrec(dir, '--db', db, 'verify', 'x', '--seal', 'notjson.json').stderr, /seal file notjson\.json is not JSON/);
    const missing = flightrec(dir, '--db', db, 'verify', 'x', '--seal', 'nowhere.json');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /seal file not found: nowhere\.json/);
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ run: 'y', events: 1, head_hash: '0'.repeat(64) }));
    assert.match(flightrec(dir, '--db', db, 'verify', 'x', '--seal', 'other.json').stderr, /seal file other\.json is for run "y", not "x"/);
  });

  it('verify needs a run id or --all, not both', () => {
    const dir = tempDir();
    const db = path.join(dir, 'none.db');
    const r = flightrec(dir, '--db', db, 'verify');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /give a run id or --all/);
  });
});
