import { randomBytes } from 'node:crypto';
import { FlightrecError, InvalidInputError } from '../errors/flightrec-error.js';
import { GENESIS_HASH } from '../store/hash-chain.js';
import type { OpenOptions } from '../store/open-database.js';
import type { EventStore } from '../store/event-store.js';
import { openStore } from '../store/open-store.js';
import type { BackendInfo, ComponentInfo } from '../events/families/run-events.js';
import type { Json } from '../events/common-schemas.js';
import { trackForExit, untrackForExit } from './exit-flush.js';
import { DEFAULT_BATCHING, type BatchingOptions } from './batching-options.js';
import { RecordingRun } from './recording-run.js';
import { requireCompactable } from '../store/compact-run.js';

/** What a run records about itself in run.started. */
export interface RunStart extends Partial<BatchingOptions> {
  /** Run id; a fresh random one when omitted. */
  id?: string;
  name?: string | null;
  config?: Json;
  seed?: number | null;
  env?: string | null;
  components?: ComponentInfo[];
  backend?: BackendInfo | null;
  codeVersion?: string | null;
  sourceRun?: string | null;
  overrides?: Json | null;
  /** The agent factory replay will ask to rebuild this run's agent ('flightrec/reference', 'module:<path>'). */
  agent?: string | null;
  /** The discount γ the agent uses; audits read it from run.started. */
  discount?: number | null;
}

/** The rule for run ids: what can be typed on a command line and in a URL path. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Opens a flightrec database for recording and hands out one writer per run. */
export class Recorder {
  private readonly runs = new Set<RecordingRun>();

  private constructor(
    readonly store: EventStore,
    private readonly ownsStore = true,
  ) {}

  /** A recorder writing into an already open store (replays write derived runs beside their source); `close` leaves the store open. */
  static using(store: EventStore): Recorder {
    return new Recorder(store, false);
  }

  /** Opens (creating and migrating when needed) the database at `path`. */
  static async open(path: string, options: OpenOptions = {}): Promise<Recorder> {
    return new Recorder(await openStore(path, options));
  }

  /** Creates a run and records its run.started as seq 0. */
  async startRun(start: RunStart = {}): Promise<RecordingRun> {
    const id = start.id ?? newRunId();
    if (!RUN_ID.test(id)) throw new InvalidInputError(`invalid run id ${JSON.stringify(id)}: use 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit`, { field: 'id', value: id });
    if ((await this.store.findRun(id)) !== undefined) throw new FlightrecError('RUN_EXISTS', `run ${id} already exists in ${this.store.location}`, { run: id });
    const backendLabel = start.backend ? start.backend.name : null;
    const row = await this.store.createRun({ id, name: start.name ?? null, env: start.env ?? null, backend: backendLabel, sourceRun: start.sourceRun ?? null });
    const run = this.attach(row.pk, id, { seq: -1, hash: GENESIS_HASH }, start);
    run.append({
      type: 'run.started',
      payload: {
        name: start.name ?? null,
        config: start.config ?? {},
        seed: start.seed ?? null,
        env: start.env ?? null,
        components: start.components ?? [],
        backend: start.backend ?? null,
        code_version: start.codeVersion ?? null,
        source_run: start.sourceRun ?? null,
        overrides: start.overrides ?? null,
        agent: start.agent ?? null,
        cwd: process.cwd(),
        // Infinity (nothing to blobs) has no JSON form; the largest tensor's size encodes the same.
        blob_threshold: Number.isFinite(start.blobThreshold ?? DEFAULT_BATCHING.blobThreshold) ? (start.blobThreshold ?? DEFAULT_BATCHING.blobThreshold) : null,
        discount: start.discount ?? null,
      },
    });
    return run;
  }

  /**
   * Continues appending to a run that was not ended (e.g. after its process crashed), from its
   * stored head. Fails when the run has ended.
   */
  async resumeRun(id: string, options: Partial<BatchingOptions> = {}): Promise<RecordingRun> {
    const row = await this.store.getRun(id);
    if (row.status !== 'recording') throw new FlightrecError('RUN_ENDED', `run ${id} has ended (${row.status}) and cannot be resumed`, { run: id, status: row.status });
    const hash = row.head_hash === null ? GENESIS_HASH : new Uint8Array(row.head_hash);
    return this.attach(row.pk, id, { seq: row.head_seq, hash }, options);
  }

  private attach(pk: number, id: string, head: { seq: number; hash: Uint8Array }, o: Partial<BatchingOptions>): RecordingRun {
    const durability = o.durability ?? DEFAULT_BATCHING.durability;
    const options: BatchingOptions = {
      durability,
      batchSize: o.batchSize ?? DEFAULT_BATCHING.batchSize,
      batchMs: o.batchMs ?? (durability === 'commit' ? 0 : DEFAULT_BATCHING.batchMs),
      blobThreshold: o.blobThreshold ?? DEFAULT_BATCHING.blobThreshold,
      maxBufferedBytes: o.maxBufferedBytes ?? DEFAULT_BATCHING.maxBufferedBytes,
      whenBufferFull: o.whenBufferFull ?? DEFAULT_BATCHING.whenBufferFull,
      writer: o.writer ?? DEFAULT_BATCHING.writer,
      compact: o.compact ?? DEFAULT_BATCHING.compact,
    };
    if (!(options.maxBufferedBytes > 0)) throw new InvalidInputError(`maxBufferedBytes must be positive, got ${options.maxBufferedBytes}`, { field: 'maxBufferedBytes', value: options.maxBufferedBytes });
    if (options.whenBufferFull !== 'wait' && options.whenBufferFull !== 'reject') throw new InvalidInputError(`whenBufferFull must be 'wait' or 'reject', got ${String(options.whenBufferFull)}`, { field: 'whenBufferFull', value: options.whenBufferFull });
    if (options.writer !== 'thread' && options.writer !== 'inline') throw new InvalidInputError(`writer must be 'thread' or 'inline', got ${String(options.writer)}`, { field: 'writer', value: options.writer });
    if (typeof options.compact !== 'boolean') throw new InvalidInputError(`compact must be true or false, got ${String(options.compact)}`, { field: 'compact', value: options.compact });
    if (options.compact) requireCompactable(this.store, 'compact', 'compact', true);
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new InvalidInputError(`batchSize must be a positive integer, got ${options.batchSize}`, { field: 'batchSize', value: options.batchSize });
    const run = new RecordingRun(this.store, pk, id, head, options, (r) => {
      this.runs.delete(r);
      untrackForExit(r);
    });
    this.runs.add(run);
    trackForExit(run);
    return run;
  }

  /** Closes every open run (as completed) and the database. Rejects if any run could not be written. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const run of [...this.runs]) await run.close().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
    if (this.ownsStore) await this.store.close();
  }
}

/** Sortable, unique-enough run id: UTC time plus random suffix, e.g. `20261126-214502-a1b2c3`. */
export function newRunId(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomBytes(3).toString('hex')}`;
}
