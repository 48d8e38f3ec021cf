import { FlightrecError, InvalidInputError } from '../errors/flightrec-error.js';
import { decodeValue } from '../events/payload-codec.js';
import { runLiveness } from './run-liveness.js';
import type { EventStore } from './event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { StoreWriteError } from './store-errors.js';

export interface RemoveResult {
  run: string;
  /** Status it had (interrupted when its writer was gone). */
  status: string;
  events: number;
  /** Blobs deleted: those no other run's events reference. */
  blobs: number;
  blob_bytes: number;
  /** Runs derived from it, left in place (their own chains do not involve it). */
  orphaned: string[];
}

/**
 * Deletes a run that can be made again or was never finished — a derived run, a failed or an
 * interrupted one — with the blobs no other run references, in one transaction. A recorded run
 * that completed exists nowhere else and is refused, as is a run still being written. A run that
 * others were derived from is refused unless `force`. Other runs' events and blobs are untouched,
 * so their chains verify as before.
 */
export async function removeRun(store: EventStore, runId: string, options: { force?: boolean } = {}): Promise<RemoveResult> {
  // The blob sweep reads and deletes under SQLite's one write lock; on a server it would race writers that reuse a blob.
  if (!(store instanceof SqliteEventStore)) throw new InvalidInputError(`rm works on SQLite stores only; ${store.location} is ${store.kind} (copy the runs to keep into a new store instead)`, { field: '--db', value: store.location });
  const row = await store.getRun(runId);
  const { status, writer } = await runLiveness(store, row);
  const derived = row.source_run !== null;
  if (status === 'recording') {
    const who = writer === null ? 'nothing records which process writes it' : `its writer, pid ${writer.pid} on ${writer.host}, is still running`;
    throw new InvalidInputError(`run ${runId} is still recording (${who}); it can be removed once it has ended or its writer is gone`, { field: 'run', value: runId });
  }
  if (!derived && status === 'completed') {
    throw new InvalidInputError(`run ${runId} is a completed recording: it exists nowhere else, so \`npx flightrec rm\` does not delete it (only derived, failed or interrupted runs)`, { field: 'run', value: runId });
  }
  const dependents = (store.sqlite.prepare('select id from runs where source_run = ? order by pk').pluck().all(runId) as string[]);
  if (dependents.length > 0 && options.force !== true) {
    throw new InvalidInputError(`run ${runId} is the source of ${dependents.length} derived run${dependents.length > 1 ? 's' : ''} (${dependents.slice(0, 5).join(', ')}${dependents.length > 5 ? ', …' : ''}); pass --force to remove it anyway (they stay, naming a source that is gone)`, { field: '--force', value: runId, dependents });
  }
  const sqlite = store.sqlite;
  const sizeOf = sqlite.prepare('select size from blobs where hash = ?').pluck();
  const refs = (payload: Uint8Array, into: Set<string>, candidates: Set<string> | null): void => {
    try {
      decodeValue(payload, {
        getBlob: (h) => {
          into.add(Buffer.from(h).toString('hex'));
          return new Uint8Array((sizeOf.get(h) as number | undefined) ?? 0);
        },
      });
    } catch {
      // Undecodable (a missing blob, damage): keep every candidate whose hash its bytes contain.
      if (candidates !== null) for (const c of candidates) if (Buffer.from(payload).includes(Buffer.from(c, 'hex'))) into.add(c);
    }
  };
  try {
    sqlite.exec('BEGIN IMMEDIATE');
  } catch (e) {
    throw writeFailed(`could not remove run ${runId}`, { run: runId }, e);
  }
  try {
    const mine = new Set<string>();
    for (const r of sqlite.prepare('select payload from events where run_pk = ?').iterate(row.pk) as Iterable<{ payload: Uint8Array }>) refs(r.payload, mine, null);
    for (const p of store.segments.payloads(row.pk)) refs(p, mine, null);
    const elsewhere = new Set<string>();
    if (mine.size > 0) {
      // Stop reading once every blob of the run is known to be used elsewhere.
      let shared = 0;
      const found = new Set<string>();
      const others = function* (): Generator<Uint8Array> {
        for (const r of sqlite.prepare('select payload from events where run_pk != ?').iterate(row.pk) as Iterable<{ payload: Uint8Array }>) yield r.payload;
        for (const pk of sqlite.prepare('select distinct run_pk from event_segments where run_pk != ?').pluck().all(row.pk) as number[]) yield* store.segments.payloads(pk);
      };
      for (const payload of others()) {
        found.clear();
        refs(payload, found, mine);
        for (const h of found) {
          if (mine.has(h) && !elsewhere.has(h)) shared++;
          elsewhere.add(h);
        }
        if (shared === mine.size) break;
      }
    }
    const events = sqlite.prepare('delete from events where run_pk = ?').run(row.pk).changes + (store.segments.has(row.pk) ? row.head_seq + 1 : 0);
    sqlite.prepare('delete from event_segments where run_pk = ?').run(row.pk);
    sqlite.prepare('delete from segment_event_ids where run_pk = ?').run(row.pk);
    sqlite.prepare('delete from decision_spans where run_pk = ?').run(row.pk);
    sqlite.prepare('delete from episode_spans where run_pk = ?').run(row.pk);
    sqlite.prepare('delete from runs where pk = ?').run(row.pk);
    let blobs = 0;
    let bytes = 0;
    const del = sqlite.prepare('delete from blobs where hash = ? returning size');
    for (const h of mine) {
      if (elsewhere.has(h)) continue;
      const gone = del.get(Buffer.from(h, 'hex')) as { size: number } | undefined;
      if (gone !== undefined) {
        blobs++;
        bytes += gone.size;
      }
    }
    sqlite.exec('COMMIT');
    return { run: runId, status, events, blobs, blob_bytes: bytes, orphaned: dependents };
  } catch (e) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    if (e instanceof FlightrecError) throw e;
    throw writeFailed(`could not remove run ${runId}`, { run: runId }, e);
  }
}

function writeFailed(what: string, details: Record<string, unknown>, e: unknown): StoreWriteError {
  return new StoreWriteError(`${what}: ${(e as Error).message}; nothing was removed`, { ...details, sqliteCode: (e as { code?: string }).code ?? '' }, e);
}
