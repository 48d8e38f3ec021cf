import type { FlightrecError } from '../errors/flightrec-error.js';
import type { PreparedEvent } from './event-store.js';
import { ConcurrencyError, StoreWriteError } from './store-errors.js';

/** The envelope columns a batch carries per event, in this order (run is the batch's). */
type EnvelopeCell = string | number | null;
const ENVELOPE_WIDTH = 11;

/**
 * One batch as the writer thread receives it: the envelope columns flattened into one array of
 * primitives (structured clone copies those fast), and the payloads, hashes and blobs each
 * concatenated into one buffer that is transferred, not copied. A batch of a thousand events is
 * four allocations on the wire instead of two thousand cloned Uint8Arrays.
 */
export interface WireBatch {
  run: { pk: number; id: string };
  expectedHead: number;
  status: string | null;
  cells: EnvelopeCell[];
  payloads: Uint8Array;
  /** End offset of each event's payload in `payloads`. */
  payloadEnds: Uint32Array;
  hashes: Uint8Array;
  hashEnds: Uint32Array;
  blobKeys: string[];
  blobs: Uint8Array;
  blobEnds: Uint32Array;
}

/** What the main thread posts: a batch to append, or the end of the thread. */
export type WriteCall = { n: number; op: 'append'; batch: WireBatch } | { n: number; op: 'close' };

/** A failure of the write, as data: the main thread turns it back into the store's typed error. */
export type WireWriteError = { code: 'RUN_HAS_ANOTHER_WRITER'; run: string; expected: number; actual: number } | { code: 'STORE_WRITE_FAILED'; message: string; details: Record<string, unknown> };

export interface WriteAnswer {
  n: number;
  error: WireWriteError | null;
}

/** The batch on the wire, and the buffers to transfer with it (all of them created here, so the caller's tensors are never detached). */
export function packBatch(
  run: { pk: number; id: string },
  expectedHead: number,
  events: readonly PreparedEvent[],
  blobs: ReadonlyMap<string, Uint8Array>,
  status: string | undefined,
): { batch: WireBatch; transfer: ArrayBuffer[] } {
  const cells: EnvelopeCell[] = new Array(events.length * ENVELOPE_WIDTH);
  for (let i = 0, c = 0; i < events.length; i++) {
    const e = events[i]!;
    cells[c++] = e.seq;
    cells[c++] = e.id;
    cells[c++] = e.type;
    cells[c++] = e.v;
    cells[c++] = e.t;
    cells[c++] = e.episode;
    cells[c++] = e.step;
    cells[c++] = e.decision;
    cells[c++] = e.component;
    cells[c++] = e.version;
    cells[c++] = e.parent;
  }
  const [payloads, payloadEnds] = concatenate(events.map((e) => e.payload));
  const [hashes, hashEnds] = concatenate(events.map((e) => e.hash));
  const [blobBytes, blobEnds] = concatenate([...blobs.values()]);
  const batch: WireBatch = { run, expectedHead, status: status ?? null, cells, payloads, payloadEnds, hashes, hashEnds, blobKeys: [...blobs.keys()], blobs: blobBytes, blobEnds };
  return { batch, transfer: [payloads.buffer, payloadEnds.buffer, hashes.buffer, hashEnds.buffer, blobBytes.buffer, blobEnds.buffer] as ArrayBuffer[] };
}

/** The batch's events and blobs again, each payload, hash and blob a Buffer view of the received buffers (better-sqlite3 binds Buffers as blobs). */
export function unpackBatch(batch: WireBatch): { events: PreparedEvent[]; blobs: Map<string, Uint8Array> } {
  const count = batch.cells.length / ENVELOPE_WIDTH;
  if (!Number.isInteger(count) || batch.payloadEnds.length !== count || batch.hashEnds.length !== count || batch.blobEnds.length !== batch.blobKeys.length) {
    throw new Error(`malformed write batch: ${batch.cells.length} envelope cells, ${batch.payloadEnds.length} payloads, ${batch.hashEnds.length} hashes, ${batch.blobKeys.length} blob keys for ${batch.blobEnds.length} blobs`);
  }
  const payloads = views(batch.payloads, batch.payloadEnds);
  const hashes = views(batch.hashes, batch.hashEnds);
  const events: PreparedEvent[] = new Array(count);
  const c = batch.cells;
  for (let i = 0, k = 0; i < count; i++, k += ENVELOPE_WIDTH) {
    events[i] = {
      seq: c[k] as PreparedEvent['seq'],
      id: c[k + 1] as PreparedEvent['id'],
      type: c[k + 2] as PreparedEvent['type'],
      v: c[k + 3] as PreparedEvent['v'],
      t: c[k + 4] as PreparedEvent['t'],
      episode: c[k + 5] as PreparedEvent['episode'],
      step: c[k + 6] as PreparedEvent['step'],
      decision: c[k + 7] as PreparedEvent['decision'],
      component: c[k + 8] as PreparedEvent['component'],
      version: c[k + 9] as PreparedEvent['version'],
      parent: c[k + 10] as PreparedEvent['parent'],
      payload: payloads[i]!,
      hash: hashes[i]!,
    };
  }
  const blobViews = views(batch.blobs, batch.blobEnds);
  const blobs = new Map<string, Uint8Array>();
  for (let i = 0; i < batch.blobKeys.length; i++) blobs.set(batch.blobKeys[i]!, blobViews[i]!);
  return { events, blobs };
}

/** The thread's failure as data (a ConcurrencyError keeps its heads; anything else is a refused write with its message). */
export function wireError(e: unknown, run: string): WireWriteError {
  if (e instanceof ConcurrencyError) {
    const d = e.details as { expected: number; actual: number };
    return { code: 'RUN_HAS_ANOTHER_WRITER', run, expected: d.expected, actual: d.actual };
  }
  if (e instanceof StoreWriteError) return { code: 'STORE_WRITE_FAILED', message: e.message, details: { ...e.details } };
  return { code: 'STORE_WRITE_FAILED', message: `could not store a batch of run ${run}: ${e instanceof Error ? e.message : String(e)}; nothing of this batch was stored`, details: { run } };
}

/** The typed error the store's own appendBatch would have thrown. */
export function fromWireError(w: WireWriteError): FlightrecError {
  if (w.code === 'RUN_HAS_ANOTHER_WRITER') return new ConcurrencyError(w.run, w.expected, w.actual);
  return new StoreWriteError(w.message, w.details, null);
}

function concatenate(parts: readonly Uint8Array[]): [Uint8Array, Uint32Array] {
  const ends = new Uint32Array(parts.length);
  let total = 0;
  for (let i = 0; i < parts.length; i++) ends[i] = total += parts[i]!.byteLength;
  const out = new Uint8Array(total);
  for (let i = 0; i < parts.length; i++) out.set(parts[i]!, ends[i]! - parts[i]!.byteLength);
  return [out, ends];
}

function views(bytes: Uint8Array, ends: Uint32Array): Buffer[] {
  const out: Buffer[] = new Array(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    if (end < start || end > bytes.byteLength) throw new Error(`malformed write batch: part ${i} ends at ${end}, after ${start}, in ${bytes.byteLength} bytes`);
    out[i] = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
    start = end;
  }
  return out;
}
