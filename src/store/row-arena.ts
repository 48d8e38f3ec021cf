/**
 * Hands out byte ranges of large shared buffers for the rows of a recording: an event's payload
 * and chain hash become views into one chunk instead of two ArrayBuffers of their own. An
 * ArrayBuffer per event is what the garbage collector spent most of its time on (each has a
 * backing store to track and free); a chunk is freed when the last row viewing it is.
 * Views are Buffers, so SQLite binds them as they are and digests are written in place.
 */
export class RowArena {
  private chunk: Buffer = Buffer.allocUnsafeSlow(0);
  private used = 0;

  constructor(private readonly chunkBytes = 64 * 1024) {}

  /** `n` bytes nobody else is handed (contents undefined until written). */
  take(n: number): Buffer {
    // Large rows get a buffer of their own, so that one does not pin a chunk mostly unused.
    if (n > this.chunkBytes / 8) return Buffer.allocUnsafeSlow(n);
    if (this.used + n > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
      this.used = 0;
    }
    const out = this.chunk.subarray(this.used, this.used + n);
    // 8-byte steps keep every view aligned, whatever reads it later.
    this.used += (n + 7) & ~7;
    return out;
  }
}
