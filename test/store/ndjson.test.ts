import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { readEvents } from '../../src/store/event-reader.js';
import { exportRun } from '../../src/store/ndjson/export-run.js';
import { importNdjson } from '../../src/store/ndjson/import-ndjson.js';
import { NdjsonImportError } from '../../src/store/ndjson/ndjson-import-error.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { recordFixture, tempDir } from '../cli/record-fixture.js';

const dir = tempDir();
const open: SqliteEventStore[] = [];
let n = 0;

async function store(): Promise<SqliteEventStore> {
  const s = await SqliteEventStore.open(path.join(dir, `db${n++}.sqlite`));
  open.push(s);
  return s;
}

async function exportTo(s: SqliteEventStore, run: string): Promise<string> {
  const file = path.join(dir, `export${n++}.ndjson`);
  const out = createWriteStream(file);
  await exportRun(s, run, out);
  out.end();
  await once(out, 'close');
  return file;
}

/** Every stored column of a run's events, and the blobs they reference: what must survive a round trip. */
function rows(s: SqliteEventStore, run: string) {
  const events = s.sqlite
    .prepare('select e.seq, e.id, e.type, e.v, e.t, e.episode, e.step, e.decision, e.component, e.version, e.parent, e.payload, e.hash from events e join runs r on r.pk = e.run_pk where r.id = ? order by e.seq')
    .all(run);
  const blobs = s.sqlite.prepare('select hex(hash) as h, bytes from blobs order by h').all();
  const head = s.sqlite.prepare('select head_seq, head_hash, status, name, env from runs where id = ?').get(run);
  return { events, blobs, head };
}

function writeLines(lines: string[]): string {
  const file = path.join(dir, `edited${n++}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('NDJSON export and import', () => {
  let source: SqliteEventStore;
  let file: string;
  let lines: string[];
  let count: number;

  before(async () => {
    const db = path.join(dir, 'source.sqlite');
    count = await recordFixture(db, 'run-a');
    source = await SqliteEventStore.open(db);
    open.push(source);
    file = await exportTo(source, 'run-a');
    lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  });
  after(async () => {
    for (const s of open) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a header, one line per event and a trailer with their count and head hash', () => {
    assert.equal(lines.length, count + 2);
    assert.deepEqual(JSON.parse(lines.at(-1)!), { flightrec: 'end', events: count, head: (JSON.parse(lines.at(-2)!) as { hash: string }).hash });
    const header = JSON.parse(lines[0]!) as { run: { created: string } };
    assert.match(header.run.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(header, { flightrec: 'events', format: 1, run: { id: 'run-a', name: 'fixture run-a', env: 'gridworld', backend: null, source_run: null, status: 'completed', created: header.run.created } });
    const e = JSON.parse(lines[4]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(e), ['run', 'seq', 'id', 'type', 'v', 't', 'episode', 'step', 'decision', 'component', 'version', 'parent', 'hash', 'payload']);
    assert.equal(e.id, 'run-a:3');
  });

  it('imports into an empty database with identical rows, blobs and chain', async () => {
    const target = await store();
    assert.deepEqual(await importNdjson(target, file), { run: 'run-a', events: count, skipped: 0 });
    const a = rows(source, 'run-a');
    const b = rows(target, 'run-a');
    assert.deepEqual(b.events, a.events);
    assert.ok(a.blobs.length > 0, 'the fixture stores some tensors as blobs');
    assert.deepEqual(b.blobs, a.blobs);
    assert.deepEqual(b.head, a.head);
    assert.equal((await verifyChain(target, 'run-a')).ok, true);
    assert.equal(readFileSync(await exportTo(target, 'run-a'), 'utf8'), readFileSync(file, 'utf8'));
  });

  it('keeps NaN payloads, -0 and ±Infinity bit for bit, in tensors and scalars', async () => {
    const target = await store();
    await importNdjson(target, file);
    const byType = new Map<string, { payload: Record<string, unknown> }>();
    for await (const e of readEvents(target, 'run-a')) byType.set(e.type, e as never);
    const values = (byType.get('critic.evaluated')!.payload.values as { data: Float32Array }).data;
    assert.deepEqual([...new Uint32Array(values.buffer, values.byteOffset, 4)], [0x7fc00000, 0x80000000, 0x7f800000, 0xff800000]);
    const update = byType.get('component.updated')!.payload as { loss: number; grad_norm: number; batch: { tensors: { x: { data: Float32Array } } } };
    const bits = new DataView(new ArrayBuffer(8));
    bits.setFloat64(0, update.loss);
    assert.equal(bits.getBigUint64(0), 0xfff8000000000000n, 'the sign bit of a NaN from Infinity - Infinity survives');
    assert.ok(Object.is(update.grad_norm, -0));
    const x = update.batch.tensors.x.data;
    assert.deepEqual([...new Uint32Array(x.buffer, x.byteOffset, x.length)], [0x7fc00001, 0xffc00000, 0xff800000, 0x80000000]);
    assert.ok(Object.is((byType.get('actor.chose')!.payload as { value: number }).value, NaN));
  });

  it('is a no-op when imported again, and appends only the missing tail of a longer file', async () => {
    const target = await store();
    await assert.rejects(importNdjson(target, writeLines(lines.slice(0, 6))), (e: unknown) => e instanceof NdjsonImportError && /^line 7: \(file\): ends after 5 events without the trailer/.test(e.message));
    assert.equal(await target.findRun('run-a'), undefined);
    assert.deepEqual(await importNdjson(target, writeLines(lines.slice(0, 6)), { allowTruncated: true }), { run: 'run-a', events: 5, skipped: 0 });
    assert.equal((await target.getRun('run-a')).status, 'completed');
    assert.deepEqual(await importNdjson(target, file), { run: 'run-a', events: count - 5, skipped: 5 });
    const before = rows(target, 'run-a');
    assert.deepEqual(await importNdjson(target, file), { run: 'run-a', events: 0, skipped: count });
    assert.deepEqual(rows(target, 'run-a'), before);
    assert.deepEqual(before.events, rows(source, 'run-a').events);
    assert.equal((await verifyChain(target, 'run-a')).ok, true);
  });

  it('refuses a file that disagrees with the stored run, naming the seq, and stores nothing', async () => {
    const target = await store();
    await recordFixture(target.path, 'run-a'); // same id, recorded at another time: differs from seq 0
    const before = rows(target, 'run-a');
    await assert.rejects(importNdjson(target, file), (e: unknown) => e instanceof NdjsonImportError && /^line 2: hash: run run-a already has a different event at seq 0/.test(e.message));
    assert.deepEqual(rows(target, 'run-a'), before);
  });

  it('round trips runs recorded with another blob threshold, and payload keys that look like markers', async () => {
    const db = path.join(dir, `thresholds${n++}.sqlite`);
    const config = { $num: 'NaN', nested: { $tensor: 1, $obj: [{ $num: '-0' }] } };
    await recordFixture(db, 'all-blobs', { blobThreshold: 0, config });
    await recordFixture(db, 'no-blobs', { blobThreshold: Infinity });
    const s = await SqliteEventStore.open(db);
    open.push(s);
    const target = await store();
    for (const run of ['all-blobs', 'no-blobs']) {
      await importNdjson(target, await exportTo(s, run));
      assert.deepEqual(rows(target, run).events, rows(s, run).events, run);
    }
    const started = await readEvents(target, 'all-blobs', { types: ['run.started'] }).next();
    assert.deepEqual((started.value as { payload: { config: unknown } }).payload.config, config);
  });

  it('streams through a slow writer in bounded chunks', async () => {
    const db = path.join(dir, `long${n++}.sqlite`);
    const events = await recordFixture(db, 'long', { decisions: 400 });
    const s = await SqliteEventStore.open(db);
    open.push(s);
    let text = '';
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        writes++;
        text += chunk.toString();
        setImmediate(done);
      },
    });
    assert.deepEqual(await exportRun(s, 'long', slow), { run: 'long', events });
    assert.equal(text.trimEnd().split('\n').length, events + 2);
    assert.ok(writes > 1, 'written in chunks, not one string');
  });

  describe('rejects a bad line naming the line and field, storing nothing of the file', () => {
    const edit = (index: number, f: (e: Record<string, any>) => void) => (ls: string[]) => {
      const e = JSON.parse(ls[index]!) as Record<string, unknown>;
      f(e);
      return ls.map((l, i) => (i === index ? JSON.stringify(e) : l));
    };
    const cases: [string, (ls: string[]) => string[], RegExp][] = [
      ['bad JSON', (ls) => ls.map((l, i) => (i === 3 ? l.slice(0, 40) : l)), /^line 4: \(line\): invalid JSON/],
      ['an unknown type', edit(3, (e) => (e.type = 'critic.guessed')), /^line 4: type: unknown event type "critic\.guessed"; known types: run\.started, .*received "critic\.guessed"$/],
      ['an unknown key', edit(3, (e) => (e.colour = 'red')), /^line 4: colour: Unrecognized key/],
      ['a missing envelope field', edit(3, (e) => delete e.parent), /^line 4: parent: .*received undefined \(missing\)$/],
      ['a payload field of the wrong type', edit(15, (e) => (e.payload.loss = 'high')), /^line 16: payload\.loss: expected a number.*received "high"$/],
      ['a tensor with the wrong byte length', edit(4, (e) => (e.payload.values.$tensor.b64 = e.payload.values.$tensor.b64.slice(0, -8))), /^line 5: payload\.values\.\$tensor\.b64: tensor byte length 396 does not match float32\[100\] \(400 bytes\), received 396 bytes$/],
      ['a gap in seq', (ls) => ls.filter((_, i) => i !== 5), /^line 6: seq: expected 4 \(seq is gapless from 0\), received 5$/],
      ['a wrong hash', edit(6, (e) => (e.t += 1)), /^line 7: hash: does not match the chain hash recomputed/],
      ['an altered payload', edit(15, (e) => (e.payload.loss = 0.5)), /^line 16: hash: /],
      ['a run that is not the header’s', edit(2, (e) => (e.run = 'run-b')), /^line 3: run: does not match the header's run "run-a", received "run-b"$/],
      ['a header of a newer format', edit(0, (h) => (h.format = 2)), /^line 1: format: .*received 2$/],
      ['a bad special number', edit(15, (e) => (e.payload.loss = { $num: 'nan' })), /^line 16: payload\.loss\.\$num: /],
      ['no header', () => [], /^line 1: \(file\): expected a header line/],
    ];
    for (const [what, mutate, message] of cases) {
      it(what, async () => {
        const target = await store();
        const bad = writeLines(mutate(lines));
        await assert.rejects(importNdjson(target, bad), (e: unknown) => {
          assert.ok(e instanceof NdjsonImportError, String(e));
          assert.match(e.message, message);
          return true;
        });
        assert.equal(await target.findRun('run-a'), undefined);
        assert.equal(target.sqlite.prepare('select count(*) from events').pluck().get(), 0);
      });
    }
  });
});
