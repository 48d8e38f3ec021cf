import type Database from 'better-sqlite3';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chainHash } from '../../src/store/hash-chain.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain, type ChainReport, type RunSeal } from '../../src/store/verify-chain.js';
import { prng, recordSampleRun } from '../helpers/sample-run.js';
import { rawDatabase, tempDir, type RawEventRow } from '../helpers/temp-database.js';

const RUN = 'chain';
const EVENTS = 300;
const COLUMNS = ['payload', 'hash', 'type', 't', 'episode', 'step', 'decision', 'component', 'version', 'parent', 'id', 'v'] as const;
type Column = (typeof COLUMNS)[number];
const INT_COLUMNS = new Set<Column>(['t', 'episode', 'step', 'decision', 'parent', 'v']);
const TEXT_COLUMNS = new Set<Column>(['type', 'component', 'version', 'id']);

type Row = RawEventRow;

const tmp = tempDir();
let pristine = '';
let seal: RunSeal;
let copies = 0;

before(async () => {
  pristine = tmp.file('pristine.db');
  seal = await recordSampleRun(pristine, RUN, EVENTS);
  assert.ok(!fs.existsSync(`${pristine}-wal`) || fs.statSync(`${pristine}-wal`).size === 0, 'closed database has no pending WAL');
});
after(() => tmp.cleanup());

/** A copy of the recorded database, tampered with by `mutate` through a raw connection, then verified by a fresh store. */
async function tamperAndVerify(mutate: (db: Database.Database, pk: number) => void, verifySeal?: RunSeal): Promise<ChainReport> {
  const file = tmp.file(`copy-${copies++}.db`);
  fs.copyFileSync(pristine, file);
  const db = rawDatabase(file);
  try {
    const pk = db.prepare('select pk from runs where id = ?').pluck().get(RUN) as number;
    mutate(db, pk);
  } finally {
    db.close();
  }
  const store = await SqliteEventStore.open(file);
  try {
    const report = await verifyChain(store, RUN, verifySeal);
    // The other run in the same file is never affected by tampering with this one.
    const other = await verifyChain(store, `${RUN}-other`);
    assert.ok(other.ok, `other run: ${other.problem}`);
    return report;
  } finally {
    await store.close();
    fs.rmSync(file, { force: true });
  }
}

function rowAt(db: Database.Database, pk: number, seq: number): Row {
  const r = db.prepare('select * from events where run_pk = ? and seq = ?').get(pk, seq) as Row | undefined;
  assert.ok(r, `row ${seq} exists`);
  return r;
}

/** Changes one byte of one column of the row at `seq` (or gives a NULL column a value). */
function changeByte(db: Database.Database, pk: number, seq: number, column: Column, byteIndex: number, mask: number): void {
  const row = rowAt(db, pk, seq);
  const value = row[column] as unknown;
  let next: unknown;
  let sqlValue = '?';
  if (column === 'id') db.exec('drop index events_id'); // a one-byte change may hit another stored id
  if (value === null) {
    next = TEXT_COLUMNS.has(column) ? (column === 'id' ? `${RUN}:${seq}` : 'x') : mask;
  } else if (INT_COLUMNS.has(column)) {
    const n = BigInt(value as number);
    const nbytes = Math.max(1, Math.ceil(n.toString(2).length / 8));
    next = Number(n ^ (BigInt(mask) << BigInt(8 * (byteIndex % (nbytes + 1)))));
  } else {
    const bytes = Buffer.from(TEXT_COLUMNS.has(column) ? Buffer.from(value as string, 'utf8') : (value as Buffer));
    bytes[byteIndex % bytes.length]! ^= mask;
    next = bytes;
    if (TEXT_COLUMNS.has(column)) sqlValue = 'cast(? as text)';
  }
  const changes = db.prepare(`update events set ${column} = ${sqlValue} where pos = ?`).run(next, row.pos).changes;
  assert.equal(changes, 1);
  const after = rowAt(db, pk, seq)[column] as unknown;
  assert.notDeepStrictEqual(after, value, `${column} of seq ${seq} changed`);
}

/** The decision and episode projections of a run rebuilt from its events, as a thorough forger would. */
function rebuildSpans(db: Database.Database, pk: number): void {
  for (const [table, key] of [['decision_spans', 'decision'], ['episode_spans', 'episode']]) {
    db.prepare(`delete from ${table} where run_pk = ?`).run(pk);
    db.prepare(`insert into ${table} select run_pk, ${key}, min(seq), max(seq) from events where run_pk = ? and ${key} is not null group by ${key}`).run(pk);
  }
}

function assertBadAt(report: ChainReport, seq: number, what: string): void {
  assert.equal(report.ok, false, `${what}: detected`);
  assert.equal(report.first_bad_seq, seq, `${what}: first bad seq (${report.problem})`);
  assert.ok(report.problem !== null && report.problem.length > 0, `${what}: a problem is described`);
}

describe('hash chain verification', () => {
  it('the untouched recording verifies, sealed or not', async () => {
    const report = await tamperAndVerify(() => undefined);
    assert.ok(report.ok, String(report.problem));
    assert.equal(report.events, EVENTS + 2);
    assert.equal(report.first_bad_seq, null);
    assert.ok((await tamperAndVerify(() => undefined, seal)).ok);
    // A seal taken earlier is a prefix of the chain and still holds.
    const db = rawDatabase(pristine);
    const h = (db.prepare('select e.hash from events e join runs r on r.pk = e.run_pk where r.id = ? and e.seq = 99').pluck().get(RUN) as Buffer).toString('hex');
    db.close();
    assert.ok((await tamperAndVerify(() => undefined, { run: RUN, events: 100, head_hash: h })).ok);
  });

  it('(a) one byte changed in any column of a row is detected at that row', async () => {
    const rand = prng(1);
    for (const column of COLUMNS) {
      for (const seq of [0, 1 + rand(EVENTS), EVENTS + 1]) {
        const byteIndex = rand(64);
        const mask = 1 + rand(255);
        const report = await tamperAndVerify((db, pk) => changeByte(db, pk, seq, column, byteIndex, mask));
        assertBadAt(report, seq, `${column} of seq ${seq}`);
      }
    }
  });

  it('(b) a deleted row is named as the first bad seq (first, middle and last rows)', async () => {
    for (const seq of [0, 1, 150, EVENTS, EVENTS + 1]) {
      const report = await tamperAndVerify((db, pk) => db.prepare('delete from events where run_pk = ? and seq = ?').run(pk, seq));
      assertBadAt(report, seq, `deleted seq ${seq}`);
    }
  });

  it('(c) swapped payloads, or two rows swapped whole, are detected at the smaller seq', async () => {
    for (const [i, j] of [
      [3, 200],
      [10, 11],
      [0, EVENTS + 1],
    ] as const) {
      const swapPayloads = await tamperAndVerify((db, pk) => {
        const a = rowAt(db, pk, i);
        const b = rowAt(db, pk, j);
        assert.ok(!a.payload.equals(b.payload), 'rows with different payloads');
        const set = db.prepare('update events set payload = ? where pos = ?');
        set.run(b.payload, a.pos);
        set.run(a.payload, b.pos);
      });
      assertBadAt(swapPayloads, i, `payloads of ${i} and ${j} swapped`);
      const swapRows = await tamperAndVerify((db, pk) => {
        db.exec('drop index events_id');
        const a = rowAt(db, pk, i);
        const b = rowAt(db, pk, j);
        const cols = COLUMNS.map((c) => `${c} = ?`).join(', ');
        const set = db.prepare(`update events set ${cols} where pos = ?`);
        set.run(...COLUMNS.map((c) => b[c]), a.pos);
        set.run(...COLUMNS.map((c) => a[c]), b.pos);
      });
      assertBadAt(swapRows, i, `rows ${i} and ${j} swapped (all columns but seq)`);
    }
  });

  it('(d) a second row with an existing seq (unique index dropped) is detected at that seq', async () => {
    const insertCopy = (db: Database.Database, row: Row, seq: number) =>
      db
        .prepare('insert into events (run_pk, seq, id, type, v, t, episode, step, decision, component, version, parent, payload, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(row.run_pk, seq, null, row.type, row.v, row.t, row.episode, row.step, row.decision, row.component, row.version, row.parent, row.payload, row.hash);
    for (const [k, from] of [
      [40, 40],
      [40, 7],
      [0, 5],
      [EVENTS + 1, EVENTS + 1],
    ] as const) {
      const report = await tamperAndVerify((db, pk) => {
        db.exec('drop index events_run_seq');
        insertCopy(db, rowAt(db, pk, from), k);
      });
      assertBadAt(report, k, `copy of seq ${from} inserted as a second seq ${k}`);
    }
  });

  it('(d) a row inserted by shifting later seqs up is detected (forged at k, or re-chained so that k+1 breaks)', async () => {
    const shiftFrom = (db: Database.Database, pk: number, k: number) => {
      db.prepare('update events set seq = seq + 1000000 where run_pk = ? and seq >= ?').run(pk, k);
      db.prepare('update events set seq = seq - 999999 where run_pk = ? and seq >= 1000000').run(pk);
      db.prepare('update runs set head_seq = head_seq + 1 where pk = ?').run(pk);
    };
    const insert = (db: Database.Database, row: Omit<Row, 'pos'>) =>
      db
        // The forger knows the schema: the type id is the type's (src/store/event-type-id.ts).
        .prepare('insert into events (run_pk, seq, id, type, type_id, v, t, episode, step, decision, component, version, parent, payload, hash) values (@run_pk, @seq, @id, @type, @type_id, @v, @t, @episode, @step, @decision, @component, @version, @parent, @payload, @hash)')
        .run(row);
    const k = 120;
    // A copy of an existing event, hash not recomputed: wrong at k itself.
    const copied = await tamperAndVerify((db, pk) => {
      const src = rowAt(db, pk, 30);
      shiftFrom(db, pk, k);
      const { pos: _pos, ...row } = src;
      insert(db, { ...row, seq: k, id: null });
    });
    assertBadAt(copied, k, 'copied row inserted at k');
    // A forger who recomputes the inserted event's hash on its predecessor: k verifies, k+1 (the old k) does not.
    const rechained = await tamperAndVerify((db, pk) => {
      const prev = rowAt(db, pk, k - 1);
      const src = rowAt(db, pk, k);
      shiftFrom(db, pk, k);
      const { pos: _pos, ...row } = src;
      const forged = { ...row, seq: k, id: null, t: src.t + 1 };
      const hash = Buffer.from(chainHash(prev.hash, { ...forged, run: RUN }, src.payload));
      insert(db, { ...forged, hash });
    });
    assertBadAt(rechained, k + 1, 'forged row re-chained at k');
  });

  it('(e) a changed or missing blob is reported at the first event that references it', async () => {
    const db = rawDatabase(pristine);
    const pk = db.prepare('select pk from runs where id = ?').pluck().get(RUN) as number;
    const blobs = db.prepare('select hash from blobs').pluck().all() as Buffer[];
    const rows = db.prepare('select seq, payload from events where run_pk = ? order by seq').all(pk) as { seq: number; payload: Buffer }[];
    db.close();
    assert.ok(blobs.length >= 5, `blobs were written (${blobs.length})`);
    const referencing = (h: Buffer) => rows.filter((r) => r.payload.includes(h)).map((r) => r.seq);
    const shared = blobs.filter((h) => referencing(h).length >= 2);
    assert.ok(shared.length > 0, 'some blob is referenced by several events');
    for (const h of shared.slice(0, 3)) {
      const first = referencing(h)[0]!;
      const flipped = await tamperAndVerify((raw) => {
        const bytes = Buffer.from(raw.prepare('select bytes from blobs where hash = ?').pluck().get(h) as Buffer);
        bytes[bytes.length >> 1]! ^= 0x40;
        raw.prepare('update blobs set bytes = ? where hash = ?').run(bytes, h);
      });
      assertBadAt(flipped, first, `blob ${h.toString('hex').slice(0, 8)} flipped`);
      assert.match(flipped.problem!, /blob/);
      const missing = await tamperAndVerify((raw) => raw.prepare('delete from blobs where hash = ?').run(h));
      assertBadAt(missing, first, `blob ${h.toString('hex').slice(0, 8)} deleted`);
      assert.match(missing.problem!, /missing/);
    }
  });

  it('(f) a truncated tail with a consistent head passes without a seal and fails with the seal taken before', async () => {
    const keep = EVENTS - 20;
    const truncate = (db: Database.Database, pk: number) => {
      const last = rowAt(db, pk, keep - 1);
      db.prepare('delete from events where run_pk = ? and seq >= ?').run(pk, keep);
      db.prepare('update runs set head_seq = ?, head_hash = ? where pk = ?').run(keep - 1, last.hash, pk);
      rebuildSpans(db, pk); // consistent: the projections say what the remaining events say
    };
    const unsealed = await tamperAndVerify(truncate);
    assert.equal(unsealed.ok, true, 'without a seal a consistent truncation is undetectable');
    assert.equal(unsealed.events, keep);
    assertBadAt(await tamperAndVerify(truncate, seal), keep, 'truncation against the seal');
    // Truncation without fixing the head is detected without any seal.
    assertBadAt(await tamperAndVerify((db, pk) => db.prepare('delete from events where run_pk = ? and seq >= ?').run(pk, keep)), keep, 'truncation with a stale head');
    // A stale head hash alone is detected at the last event.
    assertBadAt(await tamperAndVerify((db, pk) => db.prepare('update runs set head_hash = ? where pk = ?').run(Buffer.alloc(32, 7), pk)), EVENTS + 1, 'head hash replaced');
  });

  it('(f) a chain rewritten and re-hashed from an early event passes without a seal and fails with one', async () => {
    const rewrite = (db: Database.Database, pk: number) => {
      const rows = db.prepare('select * from events where run_pk = ? order by seq').all(pk) as Row[];
      let prev: Uint8Array = rows[9]!.hash;
      const set = db.prepare('update events set t = ?, hash = ? where pos = ?');
      for (const r of rows.slice(10)) {
        const t = r.seq === 10 ? r.t + 1000 : r.t;
        const hash = chainHash(prev, { run: RUN, seq: r.seq, id: r.id, type: r.type, v: r.v, t, episode: r.episode, step: r.step, decision: r.decision, component: r.component, version: r.version, parent: r.parent }, r.payload);
        set.run(t, Buffer.from(hash), r.pos);
        prev = hash;
      }
      db.prepare('update runs set head_hash = ? where pk = ?').run(Buffer.from(prev), pk);
    };
    assert.equal((await tamperAndVerify(rewrite)).ok, true, 'a fully re-hashed chain is self-consistent');
    assertBadAt(await tamperAndVerify(rewrite, seal), seal.events - 1, 'rewritten chain against the seal');
  });

  it('(g) the columns readers rely on beside the chain: a changed type id, a decision or episode span narrowed, widened, missing or made up', async () => {
    const at = (db: Database.Database, pk: number, table: string, key: string) => db.prepare(`select ${key} as k, first_seq as f, last_seq as l from ${table} where run_pk = ? order by ${key} limit 1 offset (select count(*) / 2 from ${table} where run_pk = ?)`).get(pk, pk) as { k: number; f: number; l: number };
    const typeId = await tamperAndVerify((db, pk) => db.prepare('update events set type_id = type_id + 1 where run_pk = ? and seq = 57').run(pk));
    assertBadAt(typeId, 57, 'type id of seq 57 changed');
    assert.match(typeId.problem!, /type_id \d+ is not the id of type /);
    for (const [table, key] of [['decision_spans', 'decision'], ['episode_spans', 'episode']] as const) {
      let span = { k: 0, f: 0, l: 0 };
      const narrowed = await tamperAndVerify((db, pk) => {
        span = at(db, pk, table, key);
        db.prepare(`update ${table} set last_seq = last_seq - 1 where run_pk = ? and ${key} = ?`).run(pk, span.k);
      });
      assertBadAt(narrowed, span.f, `${key} span narrowed`);
      assert.ok(narrowed.problem!.startsWith(`${key} ${span.k}: the ${table} projection says seqs ${span.f}..${span.l - 1}`), narrowed.problem!);
      const widened = await tamperAndVerify((db, pk) => db.prepare(`update ${table} set first_seq = first_seq - 1 where run_pk = ? and ${key} = ?`).run(pk, span.k));
      assertBadAt(widened, span.f, `${key} span widened`);
      const missing = await tamperAndVerify((db, pk) => db.prepare(`delete from ${table} where run_pk = ? and ${key} = ?`).run(pk, span.k));
      assertBadAt(missing, span.f, `${key} span deleted`);
      assert.match(missing.problem!, new RegExp(`missing from the ${table} projection`));
      const madeUp = await tamperAndVerify((db, pk) => db.prepare(`insert into ${table} values (?, 999999, 5, 6)`).run(pk));
      assertBadAt(madeUp, 5, `${key} span made up`);
    }
  });

  it('property: every random single-byte change of any column of any row is detected at that row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COLUMNS), fc.integer({ min: 0, max: EVENTS + 1 }), fc.nat(4096), fc.integer({ min: 1, max: 255 }), async (column, seq, byteIndex, mask) => {
        const report = await tamperAndVerify((db, pk) => changeByte(db, pk, seq, column, byteIndex, mask));
        assertBadAt(report, seq, `${column} of seq ${seq} (byte ${byteIndex} ^ ${mask})`);
      }),
      { numRuns: 150 },
    );
  });

  it('an unknown run is NOT_FOUND, not a report', async () => {
    const store = await SqliteEventStore.open(pristine);
    try {
      await assert.rejects(verifyChain(store, 'no-such-run'), (e: unknown) => (e as { code?: string }).code === 'NOT_FOUND');
    } finally {
      await store.close();
    }
  });
});
