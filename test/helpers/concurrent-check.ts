/**
 * Checks for several writers on one database, shared by test/reliability/concurrent-writers.test.ts
 * and bench/concurrency-benchmark.ts. Each check returns problems as strings (empty when all is
 * well), so that a test can assert on them and a benchmark can count them.
 */
import { encodeValue } from '../../src/events/payload-codec.js';
import { DEFAULT_BLOB_THRESHOLD } from '../../src/store/prepare-event.js';
import { readEvents } from '../../src/store/event-reader.js';
import { chainHash, GENESIS_HASH } from '../../src/store/hash-chain.js';
import type { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { rawDatabase } from './temp-database.js';

/** What a concurrent-writer-child printed when it finished. */
export interface WriterReport {
  writer: string;
  run: string;
  mode: 'own' | 'shared';
  /** Acknowledged events as runs of [first k, its seq, count]: event k+i was acknowledged at seq+i. */
  acked: [number, number, number][];
  /** Events emitted, acknowledged or not. */
  emitted: number;
  /** Distinct error codes the writer saw (from rejected emits and flushes). */
  codes: string[];
  /** Times the store refused it with RUN_HAS_ANOTHER_WRITER (shared runs). */
  refusals: number;
  resumes: number;
  /** True when the writer wrote run.ended (own runs). */
  ended: boolean;
  error: string | null;
}

export function ackedCount(r: WriterReport): number {
  return r.acked.reduce((n, [, , c]) => n + c, 0);
}

/**
 * Compares a run as stored with what its writers were told: seq gapless from 0, every acknowledged
 * event stored once at the seq it was acknowledged with, no event stored that no writer had
 * acknowledged (besides run.started and a final run.ended), the run head at the last event, and the
 * chain verifying. Writers of a shared run may only ever have seen RUN_HAS_ANOTHER_WRITER; writers
 * of their own run nothing at all.
 */
export async function checkRunAgainstWriters(store: SqliteEventStore, file: string, run: string, writers: readonly WriterReport[]): Promise<string[]> {
  const problems: string[] = [];
  const db = rawDatabase(file);
  let rows: { seq: number; id: string | null; type: string }[];
  let head: { head_seq: number } | undefined;
  try {
    rows = db.prepare('select e.seq, e.id, e.type from events e join runs r on r.pk = e.run_pk where r.id = ? order by e.seq').all(run) as typeof rows;
    head = db.prepare('select head_seq from runs where id = ?').get(run) as typeof head;
  } finally {
    db.close();
  }
  if (head === undefined) return [`${run}: run not found`];
  rows.forEach((r, i) => {
    if (r.seq !== i) problems.push(`${run}: seq ${i} is stored as ${r.seq} (not gapless)`);
  });
  if (head.head_seq !== rows.length - 1) problems.push(`${run}: head_seq ${head.head_seq} but ${rows.length} events are stored`);
  const stored = new Map<string, number>();
  for (const r of rows) {
    if (r.id === null) {
      if (!(r.seq === 0 && r.type === 'run.started') && !(r.seq === rows.length - 1 && r.type === 'run.ended')) problems.push(`${run}: seq ${r.seq} (${r.type}) was written by no writer`);
      continue;
    }
    if (stored.has(r.id)) problems.push(`${run}: id ${r.id} stored twice`);
    stored.set(r.id, r.seq);
  }
  const acknowledged = new Map<string, number>();
  for (const w of writers) {
    for (const [k0, seq0, n] of w.acked) for (let i = 0; i < n; i++) acknowledged.set(`${w.writer}/${k0 + i}`, seq0 + i);
    const allowed = w.mode === 'shared' ? ['RUN_HAS_ANOTHER_WRITER'] : [];
    for (const code of w.codes) if (!allowed.includes(code)) problems.push(`${run}: writer ${w.writer} saw ${code}`);
    if (w.error !== null) problems.push(`${run}: writer ${w.writer} failed: ${w.error}`);
  }
  for (const [id, seq] of acknowledged) {
    const at = stored.get(id);
    if (at === undefined) problems.push(`${run}: acknowledged event ${id} (seq ${seq}) is lost`);
    else if (at !== seq) problems.push(`${run}: acknowledged event ${id} was acknowledged at seq ${seq} but is stored at ${at}`);
  }
  for (const [id, seq] of stored) if (!acknowledged.has(id)) problems.push(`${run}: event ${id} at seq ${seq} is stored but was never acknowledged`);
  const report = await verifyChain(store, run);
  if (!report.ok) problems.push(`${run}: chain: ${report.problem}`);
  return problems.slice(0, 20);
}

/**
 * Reads a run with readEvents, as a reader would during the writes, and checks that what it got is
 * a consistent prefix: seqs gapless from 0, and each event's hash recomputed from the decoded
 * event (re-encoded with the recorder's blob threshold) chained on the one before.
 * Returns the number of events read and the problems found.
 */
export async function readConsistentPrefix(store: SqliteEventStore, run: string): Promise<{ events: number; problems: string[] }> {
  const problems: string[] = [];
  let previous: Uint8Array = GENESIS_HASH;
  let expected = 0;
  for await (const e of readEvents(store, run, { pageSize: 250 })) {
    if (e.seq !== expected) {
      problems.push(`${run}: read seq ${e.seq} where ${expected} was expected`);
      break;
    }
    const payload = encodeValue(e.payload, { blobThreshold: DEFAULT_BLOB_THRESHOLD, putBlob: () => undefined });
    const id = e.id === `${run}:${e.seq}` ? null : e.id;
    const hash = chainHash(previous, { run, seq: e.seq, id, type: e.type, v: e.v, t: e.t, episode: e.episode, step: e.step, decision: e.decision, component: e.component, version: e.version, parent: e.parent }, payload);
    if (Buffer.from(hash).toString('hex') !== e.hash) {
      problems.push(`${run}: the hash of seq ${e.seq} does not chain on the events read before it`);
      break;
    }
    previous = hash;
    expected++;
  }
  return { events: expected, problems };
}
