import { workerData, type MessagePort } from 'node:worker_threads';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { batchSpans } from '../event-spans.js';
import { eventTypeId } from '../event-type-id.js';
import { copyEventRows, COPY_EVENT_COLUMNS } from './copy-binary.js';
import { PG_TYPES } from './pg-types.js';
import type { WireAnswer, WireCall, WireEvent, WireReply, WireRequest } from './pg-wire.js';
import { packBlob } from '../blob-packing.js';

/**
 * The PostgreSQL store's write connection, in a worker thread. The main thread posts one request
 * and blocks on a shared flag until this worker has run it and posted the reply (see
 * PgSyncBridge): that is how appendBatch and the other synchronous members of EventStore are
 * synchronous on a database whose driver is asynchronous. One request at a time, in order.
 */
const { url, readonly, flag, port } = workerData as { url: string; readonly: boolean; flag: Int32Array; port: MessagePort };
let client: pg.Client;
let connected: Promise<void>;
/** Set when the connection failed (a server restart, a dropped link): the next request opens a new one. */
let broken = false;
connect();
let inTransaction = false;

function connect(): void {
  const c = new pg.Client({ connectionString: url, types: PG_TYPES });
  // A connection that dies while idle is reported here; without a listener it would end the thread.
  c.on('error', () => {
    if (c === client) broken = true;
  });
  c.on('end', () => {
    if (c === client) broken = true;
  });
  client = c;
  broken = false;
  connected = c.connect().then(async () => {
    if (readonly) await c.query('set session characteristics as transaction read only');
  });
  connected.catch(() => {
    if (c === client) broken = true;
  });
}

/**
 * Whether a failed request took the connection with it: no SQLSTATE at all (the socket closed or
 * timed out), class 08 (connection exception) or 57P01–57P03 (the server shutting down or
 * terminating this backend). A statement that failed on its own leaves the connection usable.
 */
function connectionLost(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code !== 'string' || code.startsWith('08') || /^57P0[123]$/.test(code);
}

/**
 * Opens a new connection in place of a failed one. Inside an import's transaction it cannot: what
 * the transaction held is gone with the old connection, so the error says so instead.
 */
function reconnectIfBroken(): void {
  if (!broken) return;
  if (inTransaction) {
    inTransaction = false;
    throw new Error('the connection to PostgreSQL was lost inside a transaction; nothing of it was committed');
  }
  client.end().catch(() => undefined);
  connect();
}

/** The call being run, which a failure of the thread itself is reported to. */
let current = 0;

port.on('message', (call: WireCall) => {
  current = call.n;
  void run(call.req).then((r) => answer(call.n, r));
});

// Reported to the call in flight; should that call also answer later, the bridge drops the second answer by its number.
process.on('uncaughtException', (e) => answer(current, { ok: false, error: { kind: 'write', message: `the PostgreSQL writer thread failed: ${e.message}`, code: '' } }));

function answer(n: number, reply: WireReply): void {
  port.postMessage({ n, reply } satisfies WireAnswer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

async function run(req: WireRequest): Promise<WireReply> {
  try {
    if (req.op !== 'close') reconnectIfBroken();
    await connected;
    return { ok: true, value: await handle(req) };
  } catch (e) {
    if (e instanceof Conflict) return { ok: false, error: { kind: 'concurrency', expected: e.expected, actual: e.actual } };
    if (connectionLost(e)) broken = true;
    return { ok: false, error: { kind: 'write', message: (e as Error).message, code: String((e as { code?: unknown }).code ?? '') } };
  }
}

/** An integer to write into SQL text: refuses anything else, so nothing but digits ever lands there. */
function int(x: number): string {
  if (!Number.isSafeInteger(x)) throw new Error(`not an integer: ${String(x)}`);
  return String(x);
}

class Conflict extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super('head moved');
  }
}

async function handle(req: WireRequest): Promise<unknown> {
  switch (req.op) {
    case 'ping':
      await client.query('select 1');
      return null;
    case 'begin':
      await client.query('begin');
      inTransaction = true;
      return null;
    case 'commit':
    case 'rollback':
      inTransaction = false;
      await client.query(req.op);
      return null;
    case 'createRun': {
      const r = req.run;
      const res = await client.query(
        'insert into runs (id, name, created_at, status, source_run, env, backend, head_seq, head_hash, imported_from) values ($1, $2, $3, $4, $5, $6, $7, -1, null, $8) returning *',
        [r.id, r.name, r.createdAt, 'recording', r.sourceRun, r.env, r.backend, r.importedFrom ?? null],
      );
      return res.rows[0];
    }
    case 'setStatus':
      await client.query('update runs set status = $1 where pk = $2', [req.status, req.runPk]);
      return null;
    case 'append':
      return await append(req.runPk, req.expectedHead, req.events, req.blobs, req.status);
    case 'hashes': {
      const res = await client.query({ name: 'fr_hashes', text: 'select hash from events where run_pk = $1 and seq < $2 order by seq', values: [req.runPk, req.count], rowMode: 'array' });
      return res.rows.map((r: unknown[]) => r[0]);
    }
    case 'eventById': {
      const res = await client.query({ name: 'fr_event_by_id', text: 'select r.id as run, e.seq as seq, e.hash as hash from events e join runs r on r.pk = e.run_pk where e.id = $1', values: [req.id] });
      return res.rows[0] ?? null;
    }
    case 'runStatus': {
      const run = (await client.query('select pk, status, head_seq from runs where id = $1', [req.run])).rows[0] as { pk: number; status: string; head_seq: number } | undefined;
      if (run === undefined) return null;
      const d = (await client.query('select max(decision) as d from decision_spans where run_pk = $1', [run.pk])).rows[0] as { d: number | null };
      const e = (await client.query("select count(*) as n from events where run_pk = $1 and type_id = $2 and type = 'episode.ended'", [run.pk, eventTypeId('episode.ended')])).rows[0] as { n: number };
      return { status: run.status, events: run.head_seq + 1, decisions: d.d === null ? 0 : d.d + 1, episodes: e.n };
    }
    case 'blobSize': {
      const res = await client.query({ name: 'fr_blob_size', text: 'select size from blobs where hash = $1', values: [req.hash] });
      return res.rows[0]?.size ?? null;
    }
    case 'blob': {
      const res = await client.query({ name: 'fr_blob_packed', text: 'select bytes, size from blobs where hash = $1', values: [req.hash] });
      return res.rows[0] === undefined ? null : { bytes: res.rows[0].bytes, size: res.rows[0].size };
    }
    case 'history': {
      const res = await client.query({
        name: 'fr_history',
        text: "select run_pk, seq, id, type, type_id, v, t, episode, step, decision, component, version, parent, payload, hash, pos from events where run_pk = $1 and component = $2 and type_id = any($5::bigint[]) and type in ('component.updated', 'checkpoint.saved') and seq between $3 and $4 order by seq",
        values: [req.runPk, req.component, req.seqFrom, req.seqTo, [eventTypeId('component.updated'), eventTypeId('checkpoint.saved')]],
      });
      return res.rows;
    }
    case 'eventsOfTypes': {
      const res = await client.query({
        name: 'fr_events_of_types',
        text: 'select run_pk, seq, id, type, v, t, episode, step, decision, component, version, parent, payload, hash, pos from events where run_pk = $1 and seq between $2 and $3 and type = any($4::text[]) order by seq limit $5',
        values: [req.runPk, req.seqFrom, req.seqTo, req.types, req.limit],
      });
      return res.rows;
    }
    case 'close':
      await client.end();
      return null;
  }
}

/**
 * One batch in one transaction (a savepoint inside an import's transaction). The run's row is
 * locked first, so two writers of one run queue there and the second finds the head moved. A
 * batch whose last event is already stored with the same chain hash was committed before (a
 * retry after a lost acknowledgement): the hash covers every event up to it, so it is done.
 */
async function append(runPk: number, expectedHead: number, events: WireEvent[], blobs: [Uint8Array, Uint8Array][], status: string | null): Promise<'stored' | 'already'> {
  const nested = inTransaction;
  // Round trips are most of a batch's cost on a busy server: the transaction's start and the head
  // check go as one simple query, the head's move and the commit as another (values are integers
  // and hex, written into the SQL by this code, never text from outside).
  const started = (await client.query(`${nested ? 'savepoint fr_append' : 'begin'}; select head_seq from runs where pk = ${int(runPk)} for update`)) as unknown as pg.QueryResult[];
  try {
    const head = started[1]!.rows[0]?.head_seq as number | undefined;
    if (head !== expectedHead) {
      const last = events[events.length - 1]!;
      if (head !== undefined && head >= last.seq) {
        const stored = (await client.query({ name: 'fr_hash_at', text: 'select hash from events where run_pk = $1 and seq = $2', values: [runPk, last.seq] })).rows[0]?.hash as Buffer | undefined;
        if (stored !== undefined && Buffer.compare(stored, last.hash) === 0) {
          await client.query(nested ? 'release savepoint fr_append' : 'commit');
          return 'already';
        }
      }
      throw new Conflict(expectedHead, head ?? -1);
    }
    if (blobs.length > 0) {
      await client.query({
        name: 'fr_blobs_packed',
        text: 'insert into blobs (hash, size, bytes) select h, n, b from unnest($1::bytea[], $2::bigint[], $3::bytea[]) as u(h, n, b) on conflict (hash) do nothing',
        values: [blobs.map((b) => b[0]), blobs.map((b) => b[1].byteLength), blobs.map((b) => packBlob(b[1]))],
      });
    }
    // Binary COPY: one round trip and no text escaping for the whole batch.
    const copy = client.query(copyFrom(`copy events (${COPY_EVENT_COLUMNS}) from stdin with (format binary)`));
    copy.end(copyEventRows(runPk, events));
    await finished(copy);
    const spans = batchSpans(events);
    for (const [table, key, triples] of [['decision_spans', 'decision', spans.decisions], ['episode_spans', 'episode', spans.episodes]] as const) {
      if (triples.length === 0) continue;
      const keys: number[] = [];
      const firsts: number[] = [];
      const lasts: number[] = [];
      for (let i = 0; i < triples.length; i += 3) {
        keys.push(triples[i]!);
        firsts.push(triples[i + 1]!);
        lasts.push(triples[i + 2]!);
      }
      await client.query({
        name: `fr_${table}`,
        text: `insert into ${table} (run_pk, ${key}, first_seq, last_seq) select $1, k, f, l from unnest($2::bigint[], $3::bigint[], $4::bigint[]) as u(k, f, l)
               on conflict (run_pk, ${key}) do update set first_seq = least(${table}.first_seq, excluded.first_seq), last_seq = greatest(${table}.last_seq, excluded.last_seq)`,
        values: [runPk, keys, firsts, lasts],
      });
    }
    let bytes = 0;
    for (const e of events) bytes += e.payload.byteLength;
    const last = events[events.length - 1]!;
    const setStatus = status === null ? '' : `, status = ${client.escapeLiteral(status)}`;
    await client.query(`update runs set head_seq = ${int(last.seq)}, head_hash = '\\x${Buffer.from(last.hash).toString('hex')}'::bytea, payload_bytes = payload_bytes + ${int(bytes)}${setStatus} where pk = ${int(runPk)}; ${nested ? 'release savepoint fr_append' : 'commit'}`);
    return 'stored';
  } catch (e) {
    await client.query(nested ? 'rollback to savepoint fr_append' : 'rollback').catch(() => undefined);
    throw e;
  }
}
