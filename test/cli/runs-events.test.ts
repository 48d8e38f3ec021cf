import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordFixture, tempDir } from './record-fixture.js';
import { CLI, flightrec, jsonLines } from './run-cli.js';

describe('flightrec runs / events', () => {
  const dir = tempDir();
  const db = path.join(dir, 'runs.db');
  let count: number;

  before(async () => {
    count = await recordFixture(db, 'first');
    await recordFixture(db, 'second', { decisions: 1 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs lists runs newest first as an aligned table', () => {
    const r = flightrec(dir, '--db', db, 'runs');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+NAME\s+KIND\s+STATUS\s+EVENTS\s+ENV\s+BACKEND\s+CREATED\s+SOURCE_RUN\s+OVERRIDES$/);
    assert.match(lines[1]!, /^second\s+fixture second\s+training\s+completed\s+9\s+gridworld\s+-\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+-\s+-$/);
    assert.match(lines[2]!, /^first /);
    assert.equal(lines[1]!.indexOf('completed'), lines[0]!.indexOf('STATUS'));
  });

  it('runs --json prints one array and nothing else', () => {
    const r = flightrec(dir, '--db', db, 'runs', '--json');
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.deepEqual(runs.map((x) => [x.id, x.events, x.status, x.env, x.source_run]), [['second', 9, 'completed', 'gridworld', null], ['first', count, 'completed', 'gridworld', null]]);
    assert.match(String(runs[0]!.created), /^\d{4}-\d\d-\d\dT/);
  });

  it('runs --bytes adds bytes per decision, in all and by event type, as stats counts them', () => {
    const r = flightrec(dir, '--db', db, 'runs', '--bytes', '--json');
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as { id: string; bytes: { per_decision: number | null; by_type: Record<string, number | null> } }[];
    const stats = JSON.parse(flightrec(dir, '--db', db, 'stats', 'first', '--json').stdout) as { bytes_per_decision: number; types: { type: string; bytes_per_decision: number }[] };
    const first = runs.find((x) => x.id === 'first')!;
    assert.equal(first.bytes.per_decision, stats.bytes_per_decision);
    assert.deepEqual(first.bytes.by_type, Object.fromEntries(stats.types.map((t) => [t.type, t.bytes_per_decision])));
    const table = flightrec(dir, '--db', db, 'runs', '--bytes').stdout.trimEnd().split('\n');
    assert.match(table[0]!, /OVERRIDES\s+BYTES\/DECISION\s+LARGEST TYPES \(PER DECISION\)$/);
    assert.match(table[2]!, /^first .* \d+(\.\d)? (B|KB)\s+[a-z_]+\.[a-z_]+ \d/);
  });

  it('events prints one line per event with a payload summary', () => {
    const r = flightrec(dir, '--db', db, 'events', 'first');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, count + 1);
    assert.match(lines[0]!, /^SEQ\s+TYPE\s+EP\/STEP\/DEC\s+COMPONENT@VERSION\s+PARENT\s+PAYLOAD$/);
    assert.match(lines[4]!, /^\s+3\s+critic\.evaluated\s+0\/0\/0\s+critic@v1\s+2\s+states=float32\[4,2\] \[0, 0, 0, …\] values=float32\[100\] \[NaN, -0, Infinity, …\]$/);
    assert.match(r.stdout, /loss=NaN .*grad_norm=-0|grad_norm=-0 .*loss=NaN/);
  });

  it('events filters by type, episode, step range, decision, component and limit', () => {
    const seqs = (...args: string[]) => jsonLines(flightrec(dir, '--db', db, 'events', 'first', '--json', ...args).stdout).map((e) => (e as { seq: number }).seq);
    assert.deepEqual(seqs('--type', 'critic.evaluated,actor.chose'), [3, 4, 7, 8, 11, 12]);
    assert.deepEqual(seqs('--type', 'env.stepped', '--step-from', '1', '--step-to', '2'), [9, 13]);
    assert.deepEqual(seqs('--decision', '1'), [6, 7, 8, 9]);
    assert.deepEqual(seqs('--episode', '0', '--component', 'critic', '--limit', '2'), [3, 4]);
  });

  it('events --json prints NDJSON with tensors as arrays and special numbers as strings', () => {
    const r = flightrec(dir, '--db', db, 'events', 'first', '--json', '--type', 'critic.evaluated', '--limit', '1');
    assert.equal(r.code, 0, r.stderr);
    const [e] = jsonLines(r.stdout) as { seq: number; id: string; hash: string; payload: { values: { dtype: string; shape: number[]; data: unknown[] } } }[];
    assert.equal(e!.seq, 3);
    assert.equal(e!.id, 'first:3');
    assert.match(e!.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual({ ...e!.payload.values, data: e!.payload.values.data.slice(0, 5) }, { dtype: 'float32', shape: [100], data: ['NaN', '-0', 'Infinity', '-Infinity', Math.fround(4 / 3)] });
    const update = jsonLines(flightrec(dir, '--db', db, 'events', 'first', '--json', '--type', 'component.updated').stdout)[0] as { payload: { loss: unknown; grad_norm: unknown } };
    assert.deepEqual([update.payload.loss, update.payload.grad_norm], ['NaN', '-0']);
  });

  it('events --type with an unknown type exits 2 naming it and listing the known ones', () => {
    const r = flightrec(dir, '--db', db, 'events', 'first', '--type', 'critic.evaluated,nope');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /invalid --type "critic\.evaluated,nope": unknown event type "nope"; known types: run\.started, .*annotation/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('events rejects a bad number, naming the flag and value', () => {
    const r = flightrec(dir, '--db', db, 'events', 'first', '--limit', 'ten');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid --limit "ten": limit must be an integer/);
    assert.match(flightrec(dir, '--db', db, 'events', 'first', '--step-from', '-1').stderr, /invalid --step-from "-1"/);
  });

  it('events stops quietly when the reader of stdout goes away (`| head`)', async () => {
    const longDb = path.join(dir, 'long.db');
    await recordFixture(longDb, 'long', { decisions: 400 });
    const child = spawn(process.execPath, [CLI, '--db', longDb, 'events', 'long'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });
});
