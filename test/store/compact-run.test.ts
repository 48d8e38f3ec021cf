import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { diffRuns } from '../../src/diff/diff-runs.js';
import { decisionEventTypes } from '../../src/events/registry.js';
import { recordReferenceTraining } from '../../src/harness/reference-training.js';
import { compactRun } from '../../src/store/compact-run.js';
import { decisionAt, readDecisionIndex, readVersionChanges } from '../../src/store/decision-index.js';
import type { EventFilter, EventRow, PreparedEvent } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { readRawEvents } from '../../src/store/read-raw-events.js';
import { runEventsOfType } from '../../src/store/run-events-of-type.js';
import { decodeSegment, encodeSegment, HASH_CHECKPOINT_EVERY, SegmentCorruptError, type SegmentEvent } from '../../src/store/segment-codec.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { Recorder } from '../../src/record/recorder.js';
import { verifyReplay } from '../../replay/verify-replay.js';
import { recordFixture } from '../cli/record-fixture.js';
import { flightrec } from '../cli/run-cli.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';
import { RunOverview } from '../../src/ui/run-overview.js';

const withStore = async <T>(file: string, fn: (s: SqliteEventStore) => Promise<T> | T): Promise<T> => {
  const s = await SqliteEventStore.open(file, { mustExist: true });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
};

/** A row as a reader sees it, but for pos (a compacted event has none). */
const comparable = (r: EventRow) => ({ ...r, pos: 0, payload: Buffer.from(r.payload), hash: Buffer.from(r.hash) });

describe('segment codec', () => {
  const event = (seq: number) =>
    fc.record({
      seq: fc.constant(seq),
      id: fc.option(fc.string({ maxLength: 12 })),
      type: fc.constantFrom('decision.started', 'critic.evaluated', 'x.y'),
      v: fc.integer({ min: 1, max: 3 }),
      t: fc.integer({ min: 0, max: 2 ** 45 }),
      episode: fc.option(fc.nat()),
      step: fc.option(fc.nat()),
      decision: fc.option(fc.nat()),
      component: fc.option(fc.string({ maxLength: 8 })),
      version: fc.option(fc.string({ maxLength: 8 })),
      parent: fc.option(fc.nat()),
      payload: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    });
  const segment = fc.tuple(fc.nat({ max: 10 ** 9 }), fc.integer({ min: 1, max: 40 })).chain(([first, n]) => fc.tuple(...Array.from({ length: n }, (_, i) => event(first + i))));

  /** Distinct stand-ins for chain hashes: event i's is 32 bytes of (i + seed) mod 256. */
  const hashesOf = (events: readonly unknown[], seed = 0) => events.map((_, i) => new Uint8Array(32).fill((i + seed) % 256));

  it('decodes to the events it was encoded from, every column and payload byte, and the hash after every 16th event but the last (fast-check)', () => {
    fc.assert(
      fc.property(segment, fc.nat(255), (events, seed) => {
        const hashes = hashesOf(events, seed);
        const d = decodeSegment(encodeSegment(events, hashes), events[0]!.seq, events.length);
        assert.deepEqual(d.events.map((e) => ({ ...e, payload: Buffer.from(e.payload) })), events.map((e) => ({ ...e })));
        events.forEach((e, i) => assert.deepEqual(d.buffer.subarray(d.start[i], d.end[i]), e.payload));
        const want = hashes.flatMap((h, i) => ((i + 1) % HASH_CHECKPOINT_EVERY === 0 && i < events.length - 1 ? [[i, Buffer.from(h)]] : []));
        assert.deepEqual([...d.checkpoints].map(([i, h]) => [i, Buffer.from(h)]), want);
      }),
    );
  });

  it('refuses bytes that are not the segment asked for: another count or first seq, truncated or flipped (fast-check)', () => {
    fc.assert(
      fc.property(segment, fc.nat(), (events, cut) => {
        const bytes = encodeSegment(events, hashesOf(events));
        const first = events[0]!.seq;
        assert.throws(() => decodeSegment(bytes, first, events.length + 1), SegmentCorruptError);
        assert.throws(() => decodeSegment(bytes, first + 1, events.length), SegmentCorruptError);
        assert.throws(() => decodeSegment(bytes.subarray(0, cut % bytes.length), first, events.length), SegmentCorruptError);
      }),
    );
  });

  it('refuses events whose seqs are not consecutive', () => {
    const e: SegmentEvent = { seq: 3, id: null, type: 'x', v: 1, t: 0, episode: null, step: null, decision: null, component: null, version: null, parent: null, payload: Buffer.alloc(1) };
    assert.throws(() => encodeSegment([e, { ...e, seq: 5 }], hashesOf([e, e])), /consecutive: seq 5/);
  });
});

describe('a compacted run', () => {
  const tmp = tempDir();
  const original = tmp.file('original.db');
  const compacted = tmp.file('compacted.db');
  let run = '';
  before(async () => {
    run = (await recordReferenceTraining({ db: original, env: 'gridworld', episodes: 3, seed: 3 })).run;
    copyFileSync(original, compacted);
  });
  after(() => tmp.cleanup());

  it('moves every event into segments and gives the freed pages back to the filesystem', async () => {
    const before = statSync(compacted).size;
    const r = await withStore(compacted, (s) => compactRun(s, run));
    const events = await withStore(original, async (s) => (await s.getRun(run)).head_seq + 1);
    assert.equal(r.events, events);
    assert.equal(r.already, false);
    assert.ok(r.segments >= Math.ceil(events / 256), `${r.segments} segments`);
    assert.ok(r.segment_bytes < r.row_bytes / 3, `${r.segment_bytes} of ${r.row_bytes}`);
    assert.ok(r.freed_file_bytes > 0);
    assert.ok(statSync(compacted).size < before * 0.75, `${statSync(compacted).size} of ${before}`);
    const raw = rawDatabase(compacted);
    assert.equal(raw.prepare('select count(*) from events').pluck().get(), 0);
    assert.equal(raw.prepare('pragma integrity_check').pluck().get(), 'ok');
    raw.close();
    assert.equal((await withStore(compacted, (s) => compactRun(s, run))).already, true, 'a second compaction has nothing to do');
  });

  it('reads as the rows did, through every reader: by seq, filtered pages, histories, hashes, indexes and raw pages', async () => {
    const a = await SqliteEventStore.open(original, { readonly: true });
    const b = await SqliteEventStore.open(compacted, { readonly: true });
    try {
      const ra = await a.getRun(run);
      const rb = await b.getRun(run);
      assert.equal(b.segments.has(rb.pk), true);
      assert.equal(a.segments.has(ra.pk), false);
      const all = async (s: SqliteEventStore, pk: number) => {
        const out: EventRow[] = [];
        for (let from = 0; ; ) {
          const page = await s.readBySeq(pk, from, 333);
          out.push(...page);
          if (page.length < 333) return out;
          from = page.at(-1)!.seq + 1;
        }
      };
      const rowsA = await all(a, ra.pk);
      assert.equal(rowsA.length, ra.head_seq + 1);
      assert.deepEqual((await all(b, rb.pk)).map(comparable), rowsA.map(comparable));
      const filters: EventFilter[] = [
        { decision: 40 },
        { decision: 41, types: ['critic.evaluated'] },
        { episode: 1 },
        { episode: 2, stepFrom: 3, stepTo: 5 },
        { types: ['episode.ended'] },
        { types: ['component.updated', 'checkpoint.saved'] },
        { component: 'critic' },
        { seqFrom: 500, seqTo: 900, types: ['env.stepped', 'actor.chose'] },
        { decision: 999999 },
        { types: [] },
      ];
      for (const f of filters) {
        for (const [after, limit] of [[-1, 10000], [600, 7]] as const) {
          const want = (await a.readPage(ra.pk, f, after, limit)).map(comparable);
          assert.deepEqual((await b.readPage(rb.pk, f, after, limit)).map(comparable), want, JSON.stringify({ f, after, limit }));
        }
      }
      assert.deepEqual(b.componentHistorySync(rb.pk, 'critic', 0, rb.head_seq).map(comparable), a.componentHistorySync(ra.pk, 'critic', 0, ra.head_seq).map(comparable));
      assert.ok(a.componentHistorySync(ra.pk, 'critic', 0, ra.head_seq).length > 3);
      assert.deepEqual(b.eventsOfTypesSync(rb.pk, ['decision.started', 'env.stepped'], 100, 700, 50).map(comparable), a.eventsOfTypesSync(ra.pk, ['decision.started', 'env.stepped'], 100, 700, 50).map(comparable));
      assert.deepEqual(b.readHashes(rb.pk, 777).map((h) => Buffer.from(h)), a.readHashes(ra.pk, 777).map((h) => Buffer.from(h)));
      assert.deepEqual(await readDecisionIndex(b, rb.pk), await readDecisionIndex(a, ra.pk));
      assert.deepEqual(await readVersionChanges(b, rb.pk), await readVersionChanges(a, ra.pk));
      assert.equal(await decisionAt(b, rb.pk, 2, 4), await decisionAt(a, ra.pk, 2, 4));
      assert.notEqual(await decisionAt(a, ra.pk, 2, 4), null);
      for (const [type, first] of [['episode.ended', false], ['run.started', true]] as const) {
        assert.deepEqual(await runEventsOfType(b, rb, type, { first }), await runEventsOfType(a, ra, type, { first }));
      }
      const raw = async (s: SqliteEventStore, pk: number) => {
        const out: [number, string][] = [];
        for await (const page of readRawEvents(s, pk, decisionEventTypes())) for (const e of page) out.push([e.seq, e.page.subarray(e.start, e.end).toString('hex')]);
        return out;
      };
      const rawA = await raw(a, ra.pk);
      assert.ok(rawA.length > 100);
      assert.deepEqual(await raw(b, rb.pk), rawA);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('verifies, replays every decision exactly and diffs identical to its uncompacted self', async () => {
    await withStore(compacted, async (s) => {
      const v = await verifyChain(s, run);
      assert.equal(v.ok, true, v.problem ?? '');
      assert.equal(v.events, (await s.getRun(run)).head_seq + 1);
      const r = await verifyReplay(s, run);
      assert.ok(r.decisions > 50);
      assert.equal(r.reproduced, r.decisions, JSON.stringify(r.problems.slice(0, 2)));
    });
    const a = await openStore(original, { readonly: true });
    const b = await openStore(compacted, { readonly: true });
    try {
      const d = await diffRuns({ store: a, run }, { store: b, run });
      assert.equal(d.identical, true);
      assert.equal(d.aligned, d.decisions.a);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses appends: its events are read-only', async () => {
    await withStore(compacted, async (s) => {
      const row = await s.getRun(run);
      const e: PreparedEvent = { seq: row.head_seq + 1, id: null, type: 'annotation', v: 1, t: 0, episode: null, step: null, decision: null, component: null, version: null, parent: null, payload: new Uint8Array(1), hash: new Uint8Array(32) };
      assert.throws(() => s.appendBatch({ pk: row.pk, id: run }, row.head_seq, [e], new Map()), (err: Error & { code?: string }) => err.code === 'STORE_WRITE_FAILED' && /compacted/.test(err.message));
      assert.equal((await s.getRun(run)).head_seq, row.head_seq);
    });
  });

  it('folds into the same run overview (the viewer\'s timeline, episodes and version changes)', async () => {
    const overview = async (file: string) => {
      const s = await SqliteEventStore.open(file, { readonly: true });
      try {
        const o = new RunOverview(run);
        for await (const _ of o.advance(s, await s.getRun(run))) void _;
        return { episodes: o.episodes, timeline: o.timeline, versions: o.versions, decisions: o.decisions };
      } finally {
        await s.close();
      }
    };
    const want = await overview(original);
    assert.ok(want.decisions > 50);
    assert.deepEqual(await overview(compacted), want);
  });

  it('a compacted derived run is removed with the blobs only it used; the compacted source still verifies', async () => {
    const blobs = () => {
      const raw = rawDatabase(compacted);
      try {
        return raw.prepare('select count(*) from blobs').pluck().get() as number;
      } finally {
        raw.close();
      }
    };
    const before = blobs();
    const r = flightrec(tmp.dir, '--db', compacted, 'replay', run, '--swap', 'critic=@latest', '--json');
    assert.equal(r.code, 0, r.stderr);
    const derived = await withStore(compacted, async (s) => (await s.listRuns()).find((x) => x.source_run === run)!.id);
    const stats = JSON.parse(flightrec(tmp.dir, '--db', compacted, 'stats', derived, '--json').stdout) as { blobs: number };
    assert.ok(stats.blobs > 0, 'the derived run refers to blobs, shared with its source');
    const c = flightrec(tmp.dir, '--db', compacted, 'compact', derived);
    assert.equal(c.code, 0, c.stderr);
    const rm = flightrec(tmp.dir, '--db', compacted, 'rm', derived);
    assert.equal(rm.code, 0, rm.stderr);
    // Had rm not read the compacted source's segments for references, it would have deleted the blobs they share.
    assert.equal(blobs(), before);
    const raw = rawDatabase(compacted);
    assert.equal(raw.prepare("select count(*) from event_segments where run_pk not in (select pk from runs)").pluck().get(), 0);
    raw.close();
    const v = flightrec(tmp.dir, '--db', compacted, 'verify', run);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  it('a read that another process compacts under it goes on from the segments', async () => {
    const copy = tmp.file('racing.db');
    copyFileSync(original, copy);
    const reader = await SqliteEventStore.open(copy, { readonly: true });
    try {
      const pk = (await reader.getRun(run)).pk;
      const seqs: number[] = [];
      let compacted = false;
      for await (const page of readRawEvents(reader, pk, decisionEventTypes(), { maxRows: 64, targetBytes: 1 })) {
        seqs.push(...page.map((e) => e.seq));
        if (!compacted) {
          await withStore(copy, (s) => compactRun(s, run));
          compacted = true;
        }
      }
      const want: number[] = [];
      for await (const page of readRawEvents(reader, pk, decisionEventTypes())) want.push(...page.map((e) => e.seq));
      assert.ok(want.length > 1000);
      assert.deepEqual(seqs, want);
    } finally {
      await reader.close();
    }
  });

  it('verify checks what the chain does not cover: the type ids a segment lists, the ids index, and bytes that do not decode', async () => {
    const edit = async (name: string, sql: string) => {
      const copy = tmp.file(name);
      copyFileSync(compacted, copy);
      const raw = rawDatabase(copy);
      raw.exec(sql);
      raw.close();
      return await withStore(copy, (s) => verifyChain(s, run));
    };
    const second = 'select first_seq from event_segments order by first_seq limit 1 offset 1';
    const first = rawDatabase(compacted).prepare(second).pluck().get() as number;
    const types = await edit('types.db', `update event_segments set types = ',1,' where first_seq = (${second})`);
    assert.equal(types.ok, false);
    assert.equal(types.first_bad_seq, first);
    assert.match(types.problem ?? '', /lists type ids ,1, but holds/);
    const bytes = await edit('bytes.db', `update event_segments set bytes = x'00' where first_seq = (${second})`);
    assert.equal(bytes.ok, false);
    assert.equal(bytes.first_bad_seq, first);
    assert.match(bytes.problem ?? '', /does not inflate/);
    const ids = await edit('ids.db', `insert into segment_event_ids (id, run_pk, seq) values ('stray', (select pk from runs where id = '${run}'), 3)`);
    assert.equal(ids.ok, false);
    assert.match(ids.problem ?? '', /segment_event_ids holds 1 ids for this run, its events 0/);
  });

  it('replay --compact writes its derived run compacted; with --verify it is refused with exit 2', async () => {
    const copy = tmp.file('replay-compact.db');
    copyFileSync(original, copy);
    const r = flightrec(tmp.dir, '--db', copy, 'replay', run, '--swap', 'critic=@latest', '--compact', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { derived_run: string; compacted: { segments: number } };
    assert.ok(report.compacted.segments > 0);
    await withStore(copy, async (s) => {
      assert.equal(s.segments.has((await s.getRun(report.derived_run)).pk), true);
      assert.equal((await verifyChain(s, report.derived_run)).ok, true);
    });
    const bad = flightrec(tmp.dir, '--db', copy, 'replay', run, '--verify', '--compact');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--compact compacts the derived run/);
  });

  it('an edited segment fails verification within 16 events of the edit', async () => {
    const copy = tmp.file('edited.db');
    copyFileSync(compacted, copy);
    const raw = rawDatabase(copy);
    const seg = raw.prepare('select rowid, first_seq, last_seq, bytes from event_segments order by first_seq limit 1 offset 1').get() as { rowid: number; first_seq: number; last_seq: number; bytes: Uint8Array };
    const d = decodeSegment(seg.bytes, seg.first_seq, seg.last_seq - seg.first_seq + 1);
    const events = d.events.map((e) => ({ ...e }));
    events[5] = { ...events[5]!, t: events[5]!.t + 1 };
    // Re-encoded with its stored checkpoints, as an editor who cannot recompute the chain would.
    const hashes = events.map((_, i) => d.checkpoints.get(i) ?? new Uint8Array(32));
    raw.prepare('update event_segments set bytes = ? where rowid = ?').run(encodeSegment(events, hashes), seg.rowid);
    raw.close();
    const v = await withStore(copy, (s) => verifyChain(s, run));
    assert.equal(v.ok, false);
    assert.ok(v.first_bad_seq !== null && v.first_bad_seq >= seg.first_seq + 5 && v.first_bad_seq <= seg.first_seq + 15, `${v.first_bad_seq} in ${seg.first_seq}..${seg.last_seq}: ${v.problem}`);
  });
});

describe('compacting', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('keeps writer-chosen ids findable, and the export byte for byte', async () => {
    const db = tmp.file('ids.db');
    await recordFixture(db, 'fx', { decisions: 3, blobThreshold: 64 });
    const before = await withStore(db, (s) => s.findEventById('fx-note'));
    assert.notEqual(before, undefined);
    const exported = flightrec(tmp.dir, '--db', db, 'export', 'fx');
    assert.equal(exported.code, 0, exported.stderr);
    const c = flightrec(tmp.dir, '--db', db, 'compact');
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /run fx: \d+ events into 1 segments/);
    const found = await withStore(db, (s) => s.findEventById('fx-note'));
    assert.deepEqual({ ...found, hash: Buffer.from(found!.hash) }, { ...before, hash: Buffer.from(before!.hash) });
    const again = flightrec(tmp.dir, '--db', db, 'export', 'fx');
    assert.equal(again.stdout, exported.stdout);
    assert.match(flightrec(tmp.dir, '--db', db, 'compact').stdout, /nothing to compact/);
    const stats = JSON.parse(flightrec(tmp.dir, '--db', db, 'stats', 'fx', '--json').stdout) as { compacted: { segments: number; bytes: number } | null; payload_bytes: number };
    assert.equal(stats.compacted?.segments, 1);
    assert.ok(stats.compacted.bytes > 0, JSON.stringify(stats.compacted));
    const runs = JSON.parse(flightrec(tmp.dir, '--db', db, 'runs', '--bytes', '--json').stdout) as { id: string; bytes: { compacted_per_decision: number | null } }[];
    assert.ok(runs.find((r) => r.id === 'fx')!.bytes.compacted_per_decision! > 0);
  });

  it('copy refuses an event whose id a compacted run of the target holds, naming the id and the run; the compacted run is unchanged', async () => {
    const target = tmp.file('copy-target.db');
    await recordFixture(target, 'fx', { decisions: 3 });
    assert.equal(flightrec(tmp.dir, '--db', target, 'compact').code, 0);
    const source = tmp.file('copy-source.db');
    const recorder = await Recorder.open(source);
    const other = await recorder.startRun({ id: 'other', env: 'gridworld' });
    other.append({ type: 'annotation', id: 'fx-note', payload: { target: 0, label: 'reused', note: null, author: 'test' } });
    await other.end('completed');
    await recorder.close();
    const r = flightrec(tmp.dir, 'copy', source, target, '--run', 'other');
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /event id "fx-note" \(seq 1\) is already the id of event seq \d+ of compacted run fx/);
    await withStore(target, async (s) => {
      const found = await s.findEventById('fx-note');
      assert.equal(found?.run, 'fx');
      assert.equal((await verifyChain(s, 'fx')).ok, true);
      const copied = await s.findRun('other');
      assert.ok(copied === undefined || copied.head_seq === -1, `nothing of run other's batch is stored (head ${copied?.head_seq})`);
    });
    // The id is still held once, so compacting everything again has nothing to trip on.
    assert.equal(flightrec(tmp.dir, '--db', target, 'compact').code, 0);
  });

  it('a seal written before compaction still verifies after it, and proves an event', async () => {
    const db = tmp.file('sealed.db');
    await recordFixture(db, 'sealed', { decisions: 4 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(tmp.file('k.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(tmp.file('k.pub'), publicKey.export({ format: 'pem', type: 'spki' }));
    const seal = tmp.file('sealed.seal');
    const s = flightrec(tmp.dir, '--db', db, 'seal', 'sealed', '--key', tmp.file('k.pem'), '--out', seal);
    assert.equal(s.code, 0, s.stderr);
    const before = flightrec(tmp.dir, '--db', db, 'prove', 'sealed', '3', '--seal', seal, '--out', tmp.file('before.proof'));
    assert.equal(before.code, 0, before.stderr);
    assert.equal(flightrec(tmp.dir, '--db', db, 'compact', 'sealed').code, 0);
    const v = flightrec(tmp.dir, '--db', db, 'verify', 'sealed', '--seal', seal, '--key', tmp.file('k.pub'));
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /sealed head at \d+ events matches/);
    const p = flightrec(tmp.dir, '--db', db, 'prove', 'sealed', '3', '--seal', seal, '--out', tmp.file('after.proof'));
    assert.equal(p.code, 0, p.stderr);
    assert.equal(readFileSync(tmp.file('after.proof'), 'utf8'), readFileSync(tmp.file('before.proof'), 'utf8'), 'the same proof: the hashes it is built from are the ones compaction checked');
  });

  it('refuses a run whose stored hashes do not chain, and changes nothing', async () => {
    const db = tmp.file('tampered.db');
    await recordFixture(db, 'bad', { decisions: 3 });
    const raw = rawDatabase(db);
    raw.prepare("update events set t = t + 1 where seq = 4 and run_pk = (select pk from runs where id = 'bad')").run();
    const rows = raw.prepare('select count(*) from events').pluck().get();
    raw.close();
    const r = flightrec(tmp.dir, '--db', db, 'compact', 'bad');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CHAIN_BROKEN.*event seq 4 .*nothing was changed/);
    const after = rawDatabase(db);
    assert.equal(after.prepare('select count(*) from events').pluck().get(), rows);
    assert.equal(after.prepare('select count(*) from event_segments').pluck().get(), 0);
    after.close();
  });

  it('refuses bad input with exit code 2, naming the field and the value: an unknown run, a run still recording', async () => {
    const db = tmp.file('input.db');
    await recordFixture(db, 'done', { decisions: 1 });
    await withStore(db, (s) => s.createRun({ id: 'live', name: null, env: null, backend: null, sourceRun: null }));
    const unknown = flightrec(tmp.dir, '--db', db, 'compact', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /nope/);
    const live = flightrec(tmp.dir, '--db', db, 'compact', 'live');
    assert.equal(live.code, 2);
    assert.match(live.stderr, /run live is still recording/);
    const missing = flightrec(tmp.dir, '--db', tmp.file('absent.db'), 'compact');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /absent\.db/);
  });

  it('a file without migration 0003 still reads: readers need no migrate for it', async () => {
    const db = tmp.file('older.db');
    await recordFixture(db, 'old', { decisions: 2 });
    const raw = rawDatabase(db);
    raw.exec("drop table event_segments; drop table segment_event_ids; delete from kysely_migration where name = '0003-event-segments'");
    raw.close();
    for (const args of [['verify', 'old'], ['events', 'old', '--limit', '2'], ['show', 'old', '1']]) {
      const r = flightrec(tmp.dir, '--db', db, ...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const m = flightrec(tmp.dir, '--db', db, 'compact');
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /run old: /);
  });
});
