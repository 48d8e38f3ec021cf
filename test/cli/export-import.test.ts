import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { recordFixture, tempDir } from './record-fixture.js';
import { flightrec, jsonLines } from './run-cli.js';

describe('flightrec export / import', () => {
  const dir = tempDir();
  const db = path.join(dir, 'source.db');
  let count: number;

  before(async () => {
    count = await recordFixture(db, 'orig');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('export writes NDJSON to stdout: a header, then one line per event, then the trailer', () => {
    const r = flightrec(dir, '--db', db, 'export', 'orig');
    assert.equal(r.code, 0, r.stderr);
    const [header, ...events] = jsonLines(r.stdout) as Record<string, any>[];
    assert.equal(events.pop()!.flightrec, 'end');
    const runs = JSON.parse(flightrec(dir, '--db', db, 'runs', '--json').stdout) as { created: string }[];
    assert.deepEqual(header, { flightrec: 'events', format: 1, run: { id: 'orig', name: 'fixture orig', env: 'gridworld', backend: null, source_run: null, status: 'completed', created: runs[0]!.created } });
    assert.deepEqual(events.map((e) => e.seq), [...Array(count).keys()]);
    assert.deepEqual(events[14]!.payload.loss, { $num: 'NaN', bits: 'fff8000000000000' });
    assert.deepEqual(events[14]!.payload.grad_norm, { $num: '-0' });
    assert.deepEqual(Object.keys(events[3]!.payload.values.$tensor), ['dtype', 'shape', 'b64']);
  });

  it('export --out then import into an empty database reproduces the run, and re-import is a no-op', () => {
    const exported = flightrec(dir, '--db', db, 'export', 'orig', '--out', 'orig.ndjson');
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, `exported ${count} events of run orig to orig.ndjson\n`);
    const copy = path.join(dir, 'copy.db');
    const first = flightrec(dir, '--db', copy, 'import', 'orig.ndjson');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `imported run orig from orig.ndjson: ${count} events appended, 0 already present\n`);
    const again = flightrec(dir, '--db', copy, 'import', 'orig.ndjson', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { run: 'orig', events: 0, skipped: count, file: 'orig.ndjson' });
    assert.equal(flightrec(dir, '--db', copy, 'verify', 'orig').code, 0);
    // Same hashes, same bytes: exporting the copy gives the same file.
    assert.equal(flightrec(dir, '--db', copy, 'export', 'orig').stdout, readFileSync(path.join(dir, 'orig.ndjson'), 'utf8'));
    const runs = JSON.parse(flightrec(dir, '--db', copy, 'runs', '--json').stdout) as { id: string; status: string; events: number }[];
    assert.deepEqual(runs.map((r) => [r.id, r.status, r.events]), [['orig', 'completed', count]]);
  });

  it('import of a bad line exits 2 naming the line and field, and stores nothing', () => {
    const lines = readFileSync(path.join(dir, 'orig.ndjson'), 'utf8').trimEnd().split('\n');
    const e = JSON.parse(lines[3]!) as Record<string, unknown>;
    e.type = 'critic.guessed';
    lines[3] = JSON.stringify(e);
    writeFileSync(path.join(dir, 'bad.ndjson'), `${lines.join('\n')}\n`);
    const target = path.join(dir, 'bad-target.db');
    const r = flightrec(dir, '--db', target, 'import', 'bad.ndjson');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /line 4: type: unknown event type "critic\.guessed"; known types: .*, received "critic\.guessed"/);
    assert.match(r.stderr, /nothing from bad\.ndjson was imported/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.deepEqual(JSON.parse(flightrec(dir, '--db', target, 'runs', '--json').stdout), []);
  });

  it('export ends with a trailer (event count, head hash); a file cut at a line end is refused unless --allow-truncated', () => {
    const text = readFileSync(path.join(dir, 'orig.ndjson'), 'utf8');
    const lines = text.trimEnd().split('\n');
    const trailer = JSON.parse(lines.at(-1)!) as { flightrec: string; events: number; head: string };
    const last = JSON.parse(lines.at(-2)!) as { hash: string };
    assert.deepEqual(trailer, { flightrec: 'end', events: count, head: last.hash });
    // Cut exactly after an event line: every line left is valid, only the trailer says something is missing.
    writeFileSync(path.join(dir, 'cut.ndjson'), `${lines.slice(0, 11).join('\n')}\n`);
    const target = path.join(dir, 'cut-target.db');
    const refused = flightrec(dir, '--db', target, 'import', 'cut.ndjson');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /line 12: \(file\): ends after 10 events without the trailer line .* so it may be cut short/);
    assert.match(refused.stderr, /--allow-truncated/);
    assert.deepEqual(JSON.parse(flightrec(dir, '--db', target, 'runs', '--json').stdout), []);
    const allowed = flightrec(dir, '--db', target, 'import', 'cut.ndjson', '--allow-truncated', '--json');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal((JSON.parse(allowed.stdout) as { events: number }).events, 10);
    // A trailer that does not match what precedes it (a cut with the trailer pasted back, an edit).
    writeFileSync(path.join(dir, 'lying.ndjson'), `${[...lines.slice(0, 11), lines.at(-1)!].join('\n')}\n`);
    const lying = flightrec(dir, '--db', path.join(dir, 'lying-target.db'), 'import', 'lying.ndjson');
    assert.equal(lying.code, 2);
    assert.match(lying.stderr, /line 12: events: says the file holds \d+ events, but 10 come before it/);
    writeFileSync(path.join(dir, 'after.ndjson'), `${[...lines, lines[1]!].join('\n')}\n`);
    const extra = flightrec(dir, '--db', path.join(dir, 'after-target.db'), 'import', 'after.ndjson');
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /follows the trailer line/);
  });

  it('import keeps the run\'s creation time (older files without one take their first event\'s)', () => {
    const created = (d: string) => (JSON.parse(flightrec(dir, '--db', d, 'runs', '--json').stdout) as { created: string }[])[0]!.created;
    const original = created(db);
    const copy = path.join(dir, 'kept-time.db');
    assert.equal(flightrec(dir, '--db', copy, 'import', 'orig.ndjson').code, 0);
    assert.equal(created(copy), original);
    const lines = readFileSync(path.join(dir, 'orig.ndjson'), 'utf8').split('\n');
    const header = JSON.parse(lines[0]!) as { run: Record<string, unknown> };
    delete header.run.created;
    const firstT = (JSON.parse(lines[1]!) as { t: number }).t;
    writeFileSync(path.join(dir, 'old-format.ndjson'), [JSON.stringify(header), ...lines.slice(1)].join('\n'));
    const old = path.join(dir, 'old-format.db');
    assert.equal(flightrec(dir, '--db', old, 'import', 'old-format.ndjson').code, 0);
    assert.equal(created(old), new Date(firstT).toISOString());
  });

  it('export --out <name>.gz gzips; import reads it back whatever its name, and names a truncated one', () => {
    const r = flightrec(dir, '--db', db, 'export', 'orig', '--out', 'orig.ndjson.gz');
    assert.equal(r.code, 0, r.stderr);
    const gz = readFileSync(path.join(dir, 'orig.ndjson.gz'));
    assert.deepEqual([...gz.subarray(0, 2)], [0x1f, 0x8b]);
    const plain = readFileSync(path.join(dir, 'orig.ndjson'));
    assert.ok(gz.length < plain.length / 2, `${gz.length} bytes gzipped vs ${plain.length}`);
    assert.deepEqual(gunzipSync(gz), plain);
    writeFileSync(path.join(dir, 'renamed.ndjson'), gz);
    const copy = path.join(dir, 'from-gz.db');
    const imported = flightrec(dir, '--db', copy, 'import', 'renamed.ndjson');
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(flightrec(dir, '--db', copy, 'export', 'orig').stdout, plain.toString('utf8'));
    writeFileSync(path.join(dir, 'cut.ndjson.gz'), gz.subarray(0, gz.length - 40));
    const cut = flightrec(dir, '--db', path.join(dir, 'cut.db'), 'import', 'cut.ndjson.gz');
    assert.equal(cut.code, 2);
    assert.match(cut.stderr, /not a complete gzip stream/);
    assert.doesNotMatch(cut.stderr, /\n\s+at /);
  });

  it('import of a directory says it is a directory', () => {
    const r = flightrec(dir, '--db', path.join(dir, 'dir-target.db'), 'import', dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\[PATH_IS_A_DIRECTORY\]: .* is a directory, not an NDJSON file/);
    assert.equal(existsSync(path.join(dir, 'dir-target.db')), false);
  });

  it('import of a missing file exits 2 and creates no database', () => {
    const target = path.join(dir, 'never.db');
    const r = flightrec(dir, '--db', target, 'import', 'nowhere.ndjson');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /file not found: nowhere\.ndjson/);
    assert.equal(existsSync(target), false);
  });

  it('export of an unknown run exits 2 naming it, leaving no file behind', () => {
    const r = flightrec(dir, '--db', db, 'export', 'ghost', '--out', 'ghost.ndjson');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /run not found: ghost/);
    assert.equal(existsSync(path.join(dir, 'ghost.ndjson')), false);
  });
});
