import { NotFoundError } from '../errors/flightrec-error.js';
import type { EventInput } from '../events/registry.js';
import { RUN_ID } from '../record/recorder.js';
import { DEFAULT_BATCHING } from '../record/batching-options.js';
import { RecordingRun } from '../record/recording-run.js';
import { GENESIS_HASH } from '../store/hash-chain.js';
import { DEFAULT_BLOB_THRESHOLD, prepareEvent } from '../store/prepare-event.js';
import type { RunRow, EventStore } from '../store/event-store.js';
import { HttpError } from './http-error.js';
import { invalidLine } from './ingest-line.js';

/** One validated line of a batch, with its line number for errors. */
export interface IngestLine {
  no: number;
  event: EventInput;
}

/** What an accepted batch did: events stored now, events the run already held (a re-sent batch), and the run's head after it. */
export interface IngestResult {
  run: string;
  from: number;
  stored: number;
  duplicates: number;
  /** seq of the run's last stored event; the next batch starts at head + 1. */
  head: number;
  status: string;
  /** On the batch that ended the run, with `serve --compact`: the segments it was compacted into, or why it was not (it then stays as rows). */
  compacted?: { segments: number } | { error: string };
}

// One transaction per HTTP batch: the batch is written when the request is answered, never split by size or time, and on the
// server's thread: the answer waits for the commit anyway, so the writer thread would only add a hop.
// No buffer bound: a request's events are written together, and requests are bounded in size already.
const WRITE_OPTIONS = { durability: 'batch', batchSize: Number.MAX_SAFE_INTEGER, batchMs: 2 ** 31 - 1, blobThreshold: DEFAULT_BLOB_THRESHOLD, maxBufferedBytes: Infinity, writer: 'inline' } as const;

/**
 * Appends clients' batches to their runs. A batch names the seq of its first event (`from`), so
 * appends are idempotent: the part of a batch the run already holds is compared with what is
 * stored (time aside) and skipped, the rest is appended. A run starts with the batch from 0 whose
 * first line is its run.started, and ends with the batch whose last line is its run.ended. Runs
 * are left 'recording' when the server stops, so clients continue them after a restart.
 * Callers serialize calls (the server's queue): one batch at a time.
 */
export class IngestWriter {
  private readonly writers = new Map<string, RecordingRun>();

  constructor(
    private readonly store: EventStore,
    private readonly options: { compact: boolean } = { compact: false },
  ) {}

  async append(runId: string, from: number, lines: readonly IngestLine[]): Promise<IngestResult> {
    if (!RUN_ID.test(runId)) throw new HttpError(400, 'INVALID_BATCH', `invalid run id ${JSON.stringify(runId)}: 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit`, { field: 'run', received: runId });
    checkShape(from, lines);
    let row = await this.store.findRun(runId);
    if (row === undefined && from !== 0) {
      throw new NotFoundError('run', runId, { hint: 'a run starts with a batch from=0 whose first line is its run.started' });
    }
    const head = row?.head_seq ?? -1;
    if (from > head + 1) throw new HttpError(409, 'BATCH_OUT_OF_ORDER', `run ${runId} holds events up to seq ${head}; a batch from ${from} would leave a gap (send from ${head + 1} or earlier)`, { field: 'from', received: from, head });
    const duplicates = Math.min(lines.length, head + 1 - from);
    if (row !== undefined && duplicates > 0) await this.checkDuplicates(row, from, lines.slice(0, duplicates));
    const fresh = lines.slice(duplicates);
    if (fresh.length === 0) return { run: runId, from, stored: 0, duplicates, head, status: row!.status };
    if (row !== undefined && row.status !== 'recording') throw new HttpError(409, 'RUN_ENDED', `run ${runId} has ended (${row.status}) and takes no more events`, { run: runId, status: row.status });
    this.checkIds(fresh);
    if (row === undefined) row = await this.createRun(runId, fresh[0]!.event);
    const writer = this.writers.get(runId) ?? this.attach(row);
    try {
      const last = fresh[fresh.length - 1]!.event;
      for (const l of fresh) if (l.event.type !== 'run.ended') writer.append(l.event);
      if (last.type === 'run.ended') {
        const p = last.payload;
        this.writers.delete(runId);
        await writer.end(p.status, p.reason, { episodes: p.episodes, decisions: p.decisions }, { ...(last.t === undefined ? {} : { t: last.t }), ...(last.id === undefined ? {} : { id: last.id }) });
      } else await writer.flush();
    } catch (e) {
      // A refused writer keeps its rows for a retry; the client re-sends instead, so start afresh from the stored head.
      this.writers.delete(runId);
      throw e;
    }
    const after = await this.store.getRun(runId);
    const result: IngestResult = { run: runId, from, stored: fresh.length, duplicates, head: after.head_seq, status: after.status };
    const c = writer.compaction;
    if (c !== null) result.compacted = c.ok ? { segments: c.result.segments } : { error: c.error.message };
    return result;
  }

  /** Writes what is queued and lets go of every run, leaving them 'recording'. */
  async releaseAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const w of this.writers.values()) await w.release().catch((e: unknown) => errors.push(e));
    this.writers.clear();
    if (errors.length > 0) throw errors[0];
  }

  private async createRun(id: string, first: EventInput): Promise<RunRow> {
    if (first.type !== 'run.started') throw new Error('unreachable: checkShape guarantees run.started at seq 0');
    const p = first.payload;
    return await this.store.createRun({ id, name: p.name, env: p.env, backend: p.backend?.name ?? null, sourceRun: p.source_run });
  }

  private attach(row: RunRow): RecordingRun {
    const hash = row.head_hash === null ? GENESIS_HASH : new Uint8Array(row.head_hash);
    const writer = new RecordingRun(this.store, row.pk, row.id, { seq: row.head_seq, hash }, { ...DEFAULT_BATCHING, ...WRITE_OPTIONS, compact: this.options.compact }, () => undefined);
    this.writers.set(row.id, writer);
    return writer;
  }

  /** A re-sent event must be the one stored at its seq (its time aside): a different one means two writers share a run id. */
  private async checkDuplicates(row: RunRow, from: number, lines: readonly IngestLine[]): Promise<void> {
    const stored = await this.store.readBySeq(row.pk, from, lines.length);
    let previous = from === 0 ? GENESIS_HASH : new Uint8Array((await this.store.readBySeq(row.pk, from - 1, 1))[0]!.hash);
    const ignore = { set: () => undefined };
    lines.forEach((l, i) => {
      const s = stored[i]!;
      const mine = prepareEvent({ ...l.event, t: s.t }, row.id, from + i, previous, ignore, DEFAULT_BLOB_THRESHOLD);
      if (!Buffer.from(mine.hash).equals(Buffer.from(s.hash))) {
        throw new HttpError(409, 'RUN_HAS_ANOTHER_WRITER', `line ${l.no}: run ${row.id} already holds a different event at seq ${from + i} (stored ${s.type}, sent ${l.event.type}): another writer uses this run id; nothing of this batch was stored`, { line: l.no, field: 'seq', received: from + i });
      }
      previous = new Uint8Array(s.hash);
    });
  }

  /** Writer-chosen ids must be new: an id already stored would be skipped by the recorder and shift every later seq. */
  private checkIds(lines: readonly IngestLine[]): void {
    const seen = new Set<string>();
    for (const l of lines) {
      const id = l.event.id;
      if (id === undefined) continue;
      if (seen.has(id)) throw invalidLine(l.no, 'id', 'is used by an earlier line of this batch', JSON.stringify(id));
      seen.add(id);
      const found = this.store.findEventById(id);
      if (found !== undefined) throw invalidLine(l.no, 'id', `is already the id of event seq ${found.seq} of run ${found.run}`, JSON.stringify(id));
    }
  }
}

/** run.started is exactly the event at seq 0; run.ended may only close a batch. */
function checkShape(from: number, lines: readonly IngestLine[]): void {
  lines.forEach((l, i) => {
    const seq = from + i;
    if ((l.event.type === 'run.started') !== (seq === 0)) {
      throw invalidLine(l.no, 'type', seq === 0 ? 'the first event of a run (seq 0) must be run.started' : `run.started may only be the first event of a run (this line is seq ${seq})`, JSON.stringify(l.event.type));
    }
    if (l.event.type === 'run.ended' && i !== lines.length - 1) throw invalidLine(l.no, 'type', 'run.ended must be the last line of its batch (it ends the run)', JSON.stringify(l.event.type));
  });
}
