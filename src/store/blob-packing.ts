import { hash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { mayDeflate } from './compressibility.js';
import { BlobIntegrityError } from './store-errors.js';

/**
 * How a blob's contents are kept in the blobs table. A blob is stored deflated when that saves at
 * least an eighth of it, raw otherwise; the `size` column always holds the contents' length, so a
 * stored value shorter than `size` is deflated and one of exactly `size` bytes is raw. That needs
 * no encoding column, and every blob written before compression (raw, length = size) still reads.
 * The content address stays the sha256 of the contents, so the hash chain, deduplication and
 * export are untouched; readers check the hash after unpacking, as before.
 *
 * Level 1: on the demo's blobs (model predictions and checkpoints) levels 1 and 6 differ by under
 * 1% in size and level 1 is the faster on the recorder's path (bench/README.md "demo database").
 */
const LEVEL = 1;
/** Smaller blobs rarely shrink by an eighth and each deflate costs a few µs of fixed overhead. */
const MIN_PACKED_SIZE = 128;

export function packBlob(contents: Uint8Array): Uint8Array {
  if (contents.byteLength < MIN_PACKED_SIZE || !mayDeflate(contents)) return contents;
  const deflated = deflateRawSync(contents, { level: LEVEL });
  return deflated.byteLength <= contents.byteLength - (contents.byteLength >>> 3) ? deflated : contents;
}

/** The contents of a stored blob of `size` bytes; null when the stored bytes do not inflate to exactly `size` (a damaged blob). */
export function unpackBlob(stored: Uint8Array, size: number): Uint8Array | null {
  if (stored.byteLength === size) return stored;
  if (stored.byteLength > size) return null;
  try {
    const contents = inflateRawSync(stored, { maxOutputLength: size });
    return contents.byteLength === size ? contents : null;
  } catch {
    return null;
  }
}

/** A stored blob's contents, unpacked and checked against its sha256 (`hashHex`): what every store's getBlob returns, BlobIntegrityError otherwise. */
export function verifiedContents(hashHex: string, row: { bytes: Uint8Array; size: number } | undefined): Uint8Array {
  if (row === undefined) throw new BlobIntegrityError(hashHex, 'missing');
  const contents = unpackBlob(row.bytes, row.size);
  if (contents === null || hash('sha256', contents, 'hex') !== hashHex) throw new BlobIntegrityError(hashHex, 'mismatch');
  return contents;
}
