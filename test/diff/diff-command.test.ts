import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';
import { recordScriptedRun, script } from './record-scripted-run.js';
import { recordToyRun } from './record-toy-run.js';

const tmp = tempDir();
const db = tmp.file('runs.db');
const other = tmp.file('other.db');

before(async () => {
  await recordToyRun(db, 'base', { seed: 3, episodes: 4 });
  await recordToyRun(db, 'same', { seed: 3, episodes: 4 });
  await recordToyRun(db, 'biased', { seed: 3, episodes: 4, criticBiasFrom: 5, criticBias: 0.5 });
  await recordToyRun(other, 'elsewhere', { seed: 3, episodes: 4 });
  await recordScriptedRun(db, 'unordered', [
    { episode: 1, step: 0 },
    { episode: 0, step: 0 },
  ]);
  await recordScriptedRun(db, 'scripted', script([2, 2]));
});

after(() => tmp.cleanup());

describe('flightrec diff', () => {
  it('exits 0 and says identical for two recordings of the same seed', () => {
    const r = flightrec(tmp.dir, '--db', db, 'diff', 'base', 'same');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^identical: \d+ decisions aligned/m);
    assert.equal(r.stderr, '');
  });

  it('prints one JSON object and exits 1 when the runs differ', () => {
    const r = flightrec(tmp.dir, '--db', db, '--json', 'diff', 'base', 'biased');
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0]!) as Record<string, any>;
    for (const key of ['aligned', 'unaligned', 'flips', 'first_divergence', 'deltas', 'versions', 'episodes']) assert.ok(key in j, `missing ${key}`);
    assert.equal(j.identical, false);
    assert.equal(j.first_divergence.kind, 'deliberation');
    assert.equal(j.first_divergence.event_type, 'critic.evaluated');
    assert.equal(j.first_divergence.field, 'values');
    assert.equal(j.first_divergence.decision_a, 5);
    assert.equal(typeof j.first_divergence.episode, 'number');
    assert.equal(typeof j.first_divergence.step, 'number');
    assert.ok('value_a' in j.first_divergence && 'value_b' in j.first_divergence);
    assert.equal(j.unaligned, 0);
    assert.deepEqual(j.unaligned_detail, { only_in_a: 0, only_in_b: 0, observation_differs: 0 });
    assert.equal(j.flips, 0);
    assert.equal(typeof j.flip_share, 'number');
    assert.ok(!('series' in j), 'chart series stay out of --json');
  });

  it('prints the first divergence first in the human report', () => {
    const r = flightrec(tmp.dir, '--db', db, 'diff', 'base', 'biased');
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split('\n');
    const first = lines.findIndex((l) => l.startsWith('first divergence at'));
    const deltas = lines.findIndex((l) => l.startsWith('deltas over'));
    assert.ok(first > 0 && deltas > first, r.stdout);
    assert.match(r.stdout, /deliberation: same input, different output/);
    assert.match(r.stdout, /critic\.evaluated · values/);
    assert.match(r.stdout, /^ {2}critic +root value +16 +0\.3438 +0\.5 +11$/m);
  });

  it('takes B from another database as <path.db>:<run>', () => {
    const r = flightrec(tmp.dir, '--db', db, '--json', 'diff', 'base', `${other}:elsewhere`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { identical: boolean }).identical, true);
  });

  it('writes a self-contained HTML page with the charts and the data', () => {
    const out = tmp.file('diff.html');
    const r = flightrec(tmp.dir, '--db', db, 'diff', 'base', 'biased', '--html', out);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /wrote .*diff\.html/);
    assert.ok(existsSync(out));
    const html = readFileSync(out, 'utf8');
    assert.match(html, /uPlot/, "uPlot is inlined");
    assert.doesNotMatch(html, /<script[^>]+src=/, 'no external scripts');
    assert.match(html, /<div class="chart" id="root">/);
    assert.match(html, /<div class="chart" id="episodes">/);
    const data = /<script id="data" type="application\/json">(.*?)<\/script>/s.exec(html);
    const report = JSON.parse(data![1]!) as { series: { decisions: { label: string[] } }; first_divergence: { field: string } };
    assert.ok(report.series.decisions.label.length > 0);
    assert.equal(report.first_divergence.field, 'values');
  });

  it('exits 2 naming an unknown run', () => {
    const r = flightrec(tmp.dir, '--db', db, 'diff', 'base', 'missing-run');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /run not found: missing-run/);
    assert.equal(r.stdout, '');
  });

  it('exits 2 for a missing database and for a malformed <path>:<run>', () => {
    const missing = flightrec(tmp.dir, '--db', tmp.file('nope.db'), 'diff', 'a', 'b');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /DATABASE_NOT_FOUND/);
    const malformed = flightrec(tmp.dir, '--db', db, 'diff', 'base', `${other}:`);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /<path\.db>:<run>/);
  });

  it('exits 2 with a clear error for a run not in (episode, step) order', () => {
    const r = flightrec(tmp.dir, '--db', db, 'diff', 'scripted', 'unordered');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /RUN_NOT_ORDERED/);
    assert.match(r.stderr, /run unordered is not ordered by \(episode, step\)/);
  });
});
