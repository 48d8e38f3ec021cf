import type { TensorData } from './tensor.js';

/**
 * Tensors a writer has already hashed into blobs, keyed by the typed array that held them.
 * One decision passes the same array to several events (the world model's next states are the
 * reward's input, the critic's input and the planner's imagined states); remembering its hash
 * saves re-hashing and re-storing it. Each hit is checked byte for byte against the copy taken
 * when it was hashed, so an array mutated in between is hashed again, never misfiled.
 * Keep one per run: a run's batches are written in order, so the event that first stored a blob
 * is always written no later than the events that reuse it.
 */
export class KnownBlobs {
  private readonly known = new WeakMap<TensorData, { hash: Uint8Array; bytes: Buffer }>();

  /** The blob hash of `data` if it was hashed before and its bytes have not changed since. */
  get(data: TensorData, bytes: Uint8Array): Uint8Array | undefined {
    const k = this.known.get(data);
    if (k === undefined) return undefined;
    return k.bytes.equals(bytes) ? k.hash : undefined;
  }

  set(data: TensorData, hash: Uint8Array, bytesCopy: Uint8Array): void {
    this.known.set(data, { hash, bytes: Buffer.from(bytesCopy.buffer, bytesCopy.byteOffset, bytesCopy.byteLength) });
  }
}
