/** Least-recently-used cache of verified blob bytes, bounded by total size so reads stay bounded in memory. */
export class BlobCache {
  private readonly entries = new Map<string, Uint8Array>();
  private size = 0;
  constructor(private readonly maxBytes: number) {}

  get(key: string): Uint8Array | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  set(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.size -= old.byteLength;
    }
    this.entries.set(key, bytes);
    this.size += bytes.byteLength;
    for (const [k, v] of this.entries) {
      if (this.size <= this.maxBytes) break;
      this.entries.delete(k);
      this.size -= v.byteLength;
    }
  }
}
