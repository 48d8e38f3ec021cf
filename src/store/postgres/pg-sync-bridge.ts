import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { StoreWriteError } from '../store-errors.js';
import type { WireAnswer, WireCall, WireError, WireRequest } from './pg-wire.js';

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
  /** Calls made, numbering each request. */
  private calls = 0;

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
    const n = ++this.calls;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ n, req } satisfies WireCall);
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    for (;;) {
      for (let got = receiveMessageOnPort(this.port); got !== undefined; got = receiveMessageOnPort(this.port)) {
        const a = got.message as WireAnswer;
        // Anything else answers an earlier call twice (the thread reported a failure, then the call ended): dropped.
        if (a.n !== n) continue;
        if (a.reply.ok) return a.reply.value as T;
        throw new PgCallError(a.reply.error);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new StoreWriteError(`PostgreSQL at ${this.location} did not answer ${req.op} within ${CALL_TIMEOUT_MS / 1000} s`, { db: this.location, op: req.op }, null);
      // The flag only says "look again": it is cleared before looking, and the worker posts before it sets it, so no answer is missed.
      Atomics.wait(this.flag, 0, 0, Math.min(left, 50));
      Atomics.store(this.flag, 0, 0);
    }
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
