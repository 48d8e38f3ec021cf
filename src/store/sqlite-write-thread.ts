import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { FlightrecError } from '../errors/flightrec-error.js';
import { inlineSink, type BatchSink, type PreparedEvent } from './event-store.js';
import { ConcurrencyError, StoreWriteError } from './store-errors.js';
import { fromWireError, packBatch, type WriteAnswer, type WriteCall } from './sqlite-write-wire.js';

/** What the thread falls back on when it is gone: the store's own connection. */
export interface InlineWriter {
  appendBatch(run: { pk: number; id: string }, expectedHead: number, events: readonly PreparedEvent[], blobs: ReadonlyMap<string, Uint8Array>, status?: string): void;
  /** The run's stored head seq, read now. */
  headSync(runPk: number): number;
}

interface Write {
  run: { pk: number; id: string };
  expectedHead: number;
  events: readonly PreparedEvent[];
  blobs: ReadonlyMap<string, Uint8Array>;
  status: string | undefined;
  done: (error: FlightrecError | null) => void;
}

/**
 * A SQLite store's batches written on a thread of its own (sqlite-write-worker), so that packing
 * blobs, binding rows and committing leave the agent's thread (bench/README.md "the writer
 * thread"). Answers arrive on the event loop; drainSync takes them without it (Atomics.wait on a
 * flag the worker raises after each answer, then receiveMessageOnPort), which is what exit and
 * signal handlers flush through. When the thread is gone, what it had not answered is settled
 * from the stored head and written on the store's connection, and so is everything after.
 */
export class SqliteWriteThread implements BatchSink {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, Write>();
  private calls = 0;
  /** Why writes go inline now (the thread failed or was closed); null while the thread writes. */
  private gone: string | null = null;
  private readonly inlineWrites: BatchSink;

  constructor(
    path: string,
    busyTimeoutMs: number,
    private readonly inline: InlineWriter,
    /** How long drainSync waits for one answer before it gives the thread up. */
    private readonly answerTimeoutMs = busyTimeoutMs + 90_000,
  ) {
    this.inlineWrites = inlineSink(inline);
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(new URL('./sqlite-write-worker.js', import.meta.url), { workerData: { path, busyTimeoutMs, flag: this.flag, port: port2 }, transferList: [port2] });
    // Neither keeps a process alive by itself: the port is ref'd only while writes are unanswered.
    this.worker.unref();
    this.port = port1;
    this.port.on('message', (a: WriteAnswer) => this.answered(a));
    this.port.unref();
    this.worker.on('error', (e) => this.loseThread(`the writer thread failed: ${e.message}`));
    this.worker.on('exit', (code) => this.loseThread(`the writer thread exited (code ${code})`));
  }

  /** Whether batches still go to the thread. */
  get threaded(): boolean {
    return this.gone === null;
  }

  write(run: { pk: number; id: string }, expectedHead: number, events: readonly PreparedEvent[], blobs: ReadonlyMap<string, Uint8Array>, status: string | undefined, done: (error: FlightrecError | null) => void): void {
    const w: Write = { run, expectedHead, events, blobs, status, done };
    if (this.gone !== null) {
      this.writeInline(w);
      return;
    }
    const n = ++this.calls;
    const { batch, transfer } = packBatch(run, expectedHead, events, blobs, status);
    if (this.pending.size === 0) this.port.ref();
    this.pending.set(n, w);
    this.port.postMessage({ n, op: 'append', batch } satisfies WriteCall, transfer);
  }

  drainSync(): void {
    let deadline = Date.now() + this.answerTimeoutMs;
    while (this.pending.size > 0 && this.gone === null) {
      const before = this.pending.size;
      this.takeAnswers();
      if (this.pending.size === 0 || this.gone !== null) break;
      if (this.pending.size < before) deadline = Date.now() + this.answerTimeoutMs;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.loseThread(`the writer thread did not answer within ${Math.round(this.answerTimeoutMs / 1000)} s`);
        break;
      }
      this.waitForAnswer(Math.min(left, 50));
    }
  }

  poll(): void {
    if (this.pending.size > 0 && this.gone === null) this.takeAnswers();
  }

  /** Drains, ends the thread's connection and the thread; later writes go inline. */
  async close(): Promise<void> {
    if (this.gone !== null) return;
    this.drainSync();
    if (this.gone !== null) return;
    this.gone = 'the store is closed';
    const n = ++this.calls;
    this.port.postMessage({ n, op: 'close' } satisfies WriteCall);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const got = receiveMessageOnPort(this.port);
      if (got !== undefined && (got.message as WriteAnswer).n === n) break;
      if (got === undefined) {
        if (Date.now() > deadline) break;
        this.waitForAnswer(50);
      }
    }
    this.port.close();
    await this.worker.terminate();
  }

  /** Blocks until the worker posts an answer, or `ms` pass. */
  private waitForAnswer(ms: number): void {
    // The flag only says "look again": cleared after waking, and raised after each post, so no answer is missed.
    Atomics.wait(this.flag, 0, 0, ms);
    Atomics.store(this.flag, 0, 0);
  }

  private takeAnswers(): void {
    for (let got = receiveMessageOnPort(this.port); got !== undefined; got = receiveMessageOnPort(this.port)) this.answered(got.message as WriteAnswer);
  }

  private answered(a: WriteAnswer): void {
    if (a.n === -1) {
      this.loseThread(a.error?.code === 'STORE_WRITE_FAILED' ? a.error.message : 'the writer thread cannot write');
      return;
    }
    const w = this.pending.get(a.n);
    // An answer to a write already settled when the thread was given up: nothing waits for it.
    if (w === undefined) return;
    this.pending.delete(a.n);
    if (this.pending.size === 0) this.port.unref();
    w.done(a.error === null ? null : fromWireError(a.error));
  }

  /**
   * From now on batches are written on the store's connection. A write the thread never answered
   * may or may not have committed: the stored head tells which, and one still unwritten is written
   * here, so none is lost or stored twice.
   */
  private loseThread(why: string): void {
    if (this.gone !== null) return;
    this.gone = why;
    // Answers already posted settle their writes as the thread reported them.
    this.takeAnswers();
    const unanswered = [...this.pending.values()];
    this.pending.clear();
    this.port.unref();
    for (const w of unanswered) {
      let head: number;
      try {
        head = this.inline.headSync(w.run.pk);
      } catch (e) {
        w.done(new StoreWriteError(`${why}, and the head of run ${w.run.id} could not be read: ${(e as Error).message}; the batch is kept for a retry`, { run: w.run.id }, e));
        continue;
      }
      const last = w.events[w.events.length - 1]!.seq;
      if (head === last) w.done(null);
      else if (head === w.expectedHead) this.writeInline(w);
      else w.done(new ConcurrencyError(w.run.id, w.expectedHead, head));
    }
  }

  private writeInline(w: Write): void {
    this.inlineWrites.write(w.run, w.expectedHead, w.events, w.blobs, w.status, w.done);
  }
}
