import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { StoreWriteError } from '../store-errors.js';
import type { WireError, WireRequest } from './pg-wire.js';

/** How long a synchronous call waits for the server before giving up (a lock held by a stuck writer). */
const CALL_TIMEOUT_MS = 120_000;

/**
 * Synchronous calls into the PostgreSQL writer thread (pg-sync-worker). The caller posts its
 * request and blocks on Atomics.wait until the worker flips the shared flag, then takes the reply
 * with receiveMessageOnPort; nothing is left on the event loop, so it works inside exit and
 * signal handlers as better-sqlite3 does. The thread is unref'd: it never keeps a process alive.
 */
export class PgSyncBridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private open = true;

  constructor(
    url: string,
    private readonly location: string,
    readonly: boolean,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(new URL('./pg-sync-worker.js', import.meta.url), { workerData: { url, readonly, flag: this.flag, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.port = port1;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Runs one request on the writer connection; throws the typed error the worker reports. */
  call<T>(req: WireRequest): T {
    if (!this.open) throw new StoreWriteError(`the PostgreSQL store ${this.location} is closed`, { db: this.location }, null);
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(req);
    if (Atomics.wait(this.flag, 0, 0, CALL_TIMEOUT_MS) === 'timed-out') {
      throw new StoreWriteError(`PostgreSQL at ${this.location} did not answer ${req.op} within ${CALL_TIMEOUT_MS / 1000} s`, { db: this.location, op: req.op }, null);
    }
    const got = receiveMessageOnPort(this.port);
    if (got === undefined) throw new StoreWriteError(`the PostgreSQL writer thread of ${this.location} gave no reply to ${req.op}`, { db: this.location, op: req.op }, null);
    const reply = got.message as { ok: true; value: T } | { ok: false; error: WireError };
    if (reply.ok) return reply.value;
    throw new PgCallError(reply.error);
  }

  /** Ends the connection and the thread. */
  async close(): Promise<void> {
    if (!this.open) return;
    try {
      this.call({ op: 'close' });
    } catch {
      // a connection that already failed has nothing to end
    }
    this.open = false;
    this.port.close();
    await this.worker.terminate();
  }
}

/** A failure reported by the writer thread, carried as data for the store to turn into its typed error. */
export class PgCallError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.kind === 'write' ? wire.message : `head moved (expected ${wire.expected}, found ${wire.actual})`);
  }
}
