import { decodeValue } from '../events/payload-codec.js';
import { SegmentCorruptError } from './segment-codec.js';
import { isKnownEventType, validatePayload } from '../events/registry.js';
import { FlightrecError } from '../errors/flightrec-error.js';
import { chainHash, GENESIS_HASH, unchainable } from './hash-chain.js';
import type { SeqSpan } from './event-spans.js';
import type { EventStore } from './event-store.js';
import { eventTypeId } from './event-type-id.js';

/** Outcome of recomputing one run's chain, as data (a failed check is a result, not an exception). */
export interface ChainReport {
  run: string;
  events: number;
  ok: boolean;
  /** First seq whose stored event is missing, out of place, altered, or not covered by the head. */
  first_bad_seq: number | null;
  problem: string | null;
  head_seq: number;
  head_hash: string | null;
  /**
   * Types of a user's event family this process has not registered: their hashes were checked,
   * their payloads could not be checked against a schema (pass --events to check them too).
   */
  unregistered_types: string[];
}

/** A run head as sealed by `flightrec seal`: kept elsewhere, it exposes a truncated or rewritten chain. */
export interface RunSeal {
  run: string;
  events: number;
  head_hash: string;
}

/**
 * Recomputes a run's hash chain from the stored columns: seq must be gapless from 0, every hash
 * must equal sha256(previous ‖ envelope ‖ payload), every referenced blob must match its sha256,
 * every payload must decode and fit its schema, and the last event must be the run's recorded
 * head (and the seal's, when one is given). The derived columns readers rely on are checked too:
 * each row's type id, and the decision and episode spans of the projection tables. The chain is checked up to the head read at the start,
 * so a run that another process is still appending to verifies; events stored past that head must
 * be covered by the run's head by the time the check ends. `onProgress` hears, page by page, how
 * many events checked out of the head's count.
 */
export async function verifyChain(store: EventStore, runId: string, seal?: RunSeal, onProgress?: (verified: number, total: number) => void): Promise<ChainReport> {
  const run = await store.getRun(runId);
  let prev: Uint8Array = GENESIS_HASH;
  let expected = 0;
  const unregistered = new Set<string>();
  const report = (bad: number | null, problem: string | null): ChainReport => ({
    run: runId,
    events: expected,
    ok: bad === null,
    first_bad_seq: bad,
    problem,
    head_seq: run.head_seq,
    unregistered_types: [...unregistered],
    head_hash: run.head_hash ? Buffer.from(run.head_hash).toString('hex') : null,
  });
  const spans = new SpanTally();
  let beyondHead = false;
  while (!beyondHead) {
    let rows;
    try {
      rows = await store.readBySeq(run.pk, expected, 2000);
    } catch (e) {
      // A compacted segment that does not decode is a finding about this run, not a failure of the check.
      if (e instanceof SegmentCorruptError) return report(Number(e.details['seq']), e.message);
      throw e;
    }
    for (const row of rows) {
      if (row.seq < expected) return report(row.seq, `event seq ${row.seq} is stored more than once`);
      if (expected > run.head_seq) {
        beyondHead = true; // appended since the head was read, or inserted behind the run's back: checked below
        break;
      }
      if (row.seq !== expected) return report(expected, `event seq ${expected} is missing (next stored seq is ${row.seq})`);
      const altered = unchainable(row);
      if (altered !== null) return report(expected, `event seq ${expected} ${altered}`);
      const hash = chainHash(prev, { run: runId, seq: row.seq, id: row.id, type: row.type, v: row.v, t: row.t, episode: row.episode, step: row.step, decision: row.decision, component: row.component, version: row.version, parent: row.parent }, row.payload);
      if (!Buffer.from(hash).equals(Buffer.from(row.hash))) return report(expected, `event seq ${expected} does not match its hash (altered, swapped or inserted)`);
      if (row.type_id !== eventTypeId(row.type)) return report(expected, `event seq ${expected}: type_id ${String(row.type_id)} is not the id of type ${row.type} (${eventTypeId(row.type)}), so reads by type would miss it`);
      spans.add(row);
      if (!isKnownEventType(row.type)) unregistered.add(row.type);
      else try {
        validatePayload(row.type, row.v, decodeValue(row.payload, { getBlob: (h) => store.getBlob(h, { bypassCache: true }) }));
      } catch (e) {
        return report(expected, `event seq ${expected}: ${e instanceof FlightrecError ? e.message : String(e)}`);
      }
      prev = hash;
      expected++;
    }
    if (rows.length < 2000) break;
    onProgress?.(expected, run.head_seq + 1);
    await new Promise((r) => setImmediate(r)); // let timers and signals in between pages
  }
  onProgress?.(expected, run.head_seq + 1);
  if (expected - 1 < run.head_seq) return report(expected, `run head says ${run.head_seq + 1} events but ${expected} are stored`);
  if (beyondHead) {
    // Rows past the head seen at the start must be covered by the head now (a writer commits rows and head together).
    const last = await store.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).where('run_pk', '=', run.pk).executeTakeFirst();
    const now = await store.getRun(runId);
    if ((last?.seq ?? -1) > now.head_seq) return report(expected, `run head says ${now.head_seq + 1} events but events up to seq ${last?.seq} are stored`);
  }
  if (expected > 0 && (run.head_hash === null || !Buffer.from(run.head_hash).equals(Buffer.from(prev)))) {
    return report(expected - 1, 'the last event is not the run head recorded in the runs table');
  }
  const projection = await checkSpans(store, run.pk, spans, run.head_seq);
  if (projection !== null) return report(projection.seq, projection.problem);
  // A compacted run's derived columns: the type ids each segment says it holds, and its events' ids.
  const segments = store.segments?.has(run.pk) ? store.segments.check(run.pk) : null;
  if (segments !== null) return report(segments.seq, segments.problem);
  if (seal !== undefined) {
    if (seal.events > expected) return report(expected, `the seal covers ${seal.events} events but only ${expected} are stored (tail missing)`);
    const sealedHash = await hashAt(store, run.pk, seal.events - 1);
    if (sealedHash !== seal.head_hash) return report(seal.events - 1, `event seq ${seal.events - 1} is not the head that was sealed (chain rewritten)`);
  }
  return report(null, null);
}

/** Each decision's and episode's first and last seq as the events say, tallied while verifying. */
class SpanTally {
  readonly decision = new Map<number, SeqSpan>();
  readonly episode = new Map<number, SeqSpan>();

  add(row: { seq: number; decision: number | null; episode: number | null }): void {
    for (const key of ['decision', 'episode'] as const) {
      const k = row[key];
      if (k === null) continue;
      const s = this[key].get(k);
      if (s === undefined) this[key].set(k, { first: row.seq, last: row.seq });
      else s.last = row.seq; // rows come in seq order
    }
  }
}

/**
 * The decision_spans and episode_spans projections must be exactly what the run's events say:
 * reads by decision or episode walk only the span they give, so a narrowed or missing span would
 * hide events from them. Checked against the tally of the events up to the head.
 */
async function checkSpans(store: EventStore, runPk: number, tally: SpanTally, head: number): Promise<{ seq: number; problem: string } | null> {
  const tables = [
    ['decision', await store.db.selectFrom('decision_spans').select(['decision as key', 'first_seq', 'last_seq']).where('run_pk', '=', runPk).execute()],
    ['episode', await store.db.selectFrom('episode_spans').select(['episode as key', 'first_seq', 'last_seq']).where('run_pk', '=', runPk).execute()],
  ] as const;
  for (const [key, rows] of tables) {
    const want = tally[key];
    const seen = new Set<number>();
    for (const r of rows) {
      const s = want.get(r.key);
      // A writer still appending adds and widens spans past the head this check read at the start:
      // only what lies at or before it is judged, and a span may go on past it.
      if (s === undefined) {
        if (r.first_seq <= head) return { seq: r.first_seq, problem: `${key} ${r.key}: the ${key}_spans projection has seqs ${r.first_seq}..${r.last_seq} for it, but no event of the run up to seq ${head} has that ${key}` };
        continue;
      }
      seen.add(r.key);
      if (r.first_seq !== s.first || r.last_seq < s.last || (r.last_seq > s.last && r.last_seq <= head))
        return { seq: s.first, problem: `${key} ${r.key}: the ${key}_spans projection says seqs ${r.first_seq}..${r.last_seq}, its events lie in ${s.first}..${s.last}${r.first_seq > s.first || r.last_seq < s.last ? `, so reads of that ${key} would miss some` : ''}` };
    }
    for (const [k, s] of want) if (!seen.has(k)) return { seq: s.first, problem: `${key} ${k}: missing from the ${key}_spans projection (its events lie in ${s.first}..${s.last}), so reads of that ${key} would find none` };
  }
  return null;
}

async function hashAt(store: EventStore, runPk: number, seq: number): Promise<string | null> {
  if (seq < 0) return Buffer.from(GENESIS_HASH).toString('hex');
  const rows = await store.readBySeq(runPk, seq, 1);
  return rows[0]?.seq === seq ? Buffer.from(rows[0].hash).toString('hex') : null;
}
