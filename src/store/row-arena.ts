/**
 * Hands out byte ranges of large shared buffers for the rows of a recording: an event's payload
 * and chain hash become views into one chunk instead of two ArrayBuffers of their own. An
 * ArrayBuffer per event is what the garbage collector spent most of its time on (each has a
 * backing store to track and free); a chunk is freed when the last row viewing it is.
 */
export class RowArena {
  /** The chunk the last `reserve` handed out a range of. */
  chunk: Buffer = Buffer.allocUnsafeSlow(0);
  private used = 0;

  constructor(private readonly chunkBytes = 64 * 1024) {}

  /** Reserves `n` bytes nobody else is handed, at the returned offset of `this.chunk` (contents undefined until written). */
  reserve(n: number): number {
    // Large rows get a buffer of their own, so that one does not pin a chunk mostly unused.
    if (n > this.chunkBytes / 8) {
      this.chunk = Buffer.allocUnsafeSlow(n);
      this.used = n;
      return 0;
    }
    if (this.used + n > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
      this.used = 0;
    }
    const at = this.used;
    // 8-byte steps keep every range aligned, whatever reads it later.
    this.used += (n + 7) & ~7;
    return at;
  }
}
