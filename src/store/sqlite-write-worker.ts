import Database from 'better-sqlite3';
import { workerData, type MessagePort } from 'node:worker_threads';
import { SqliteBatchWriter } from './sqlite-batch-writer.js';
import { configureWriterConnection } from './writer-connection.js';
import { unpackBatch, wireError, type WriteAnswer, type WriteCall } from './sqlite-write-wire.js';

/**
 * A SQLite store's append path in a thread of its own (SqliteWriteThread): its own connection to
 * the same file, so packing blobs, binding rows and committing run beside the agent instead of in
 * its step. WAL lets the store's own connection keep reading meanwhile; SQLite's lock orders this
 * connection's writes with every other writer's, as between processes. One batch at a time, in
 * the order posted.
 */
const { path, busyTimeoutMs, flag, port } = workerData as { path: string; busyTimeoutMs: number; flag: Int32Array; port: MessagePort };
let sqlite: Database.Database;
let writer: SqliteBatchWriter;
try {
  sqlite = new Database(path, { fileMustExist: true });
  // The file is already WAL; the rest is per connection, as the store's own.
  configureWriterConnection(sqlite, busyTimeoutMs);
  writer = new SqliteBatchWriter(sqlite);
} catch (e) {
  // No connection, no thread: answer -1 tells the store to write on its own connection instead.
  answer({ n: -1, error: { code: 'STORE_WRITE_FAILED', message: `the writer thread cannot open ${path}: ${(e as Error).message}`, details: { path } } });
  port.close();
  throw e;
}

port.on('message', (call: WriteCall) => {
  if (call.op === 'close') {
    sqlite.close();
    answer({ n: call.n, error: null });
    port.close();
    return;
  }
  try {
    const { events, blobs } = unpackBatch(call.batch);
    writer.append(call.batch.run, call.batch.expectedHead, events, blobs, call.batch.status ?? undefined);
    answer({ n: call.n, error: null });
  } catch (e) {
    answer({ n: call.n, error: wireError(e, call.batch.run.id) });
  }
});

/** Posted before the flag is raised: a main thread blocked in drainSync looks for answers only after it wakes. */
function answer(a: WriteAnswer): void {
  port.postMessage(a);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
