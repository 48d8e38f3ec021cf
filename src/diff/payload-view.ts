import { decodeValue, PayloadCodecError, TAG, type DecodeOptions } from '../events/payload-codec.js';
import { Dtype } from '../events/tensor.js';

// The diff reads encoded payloads without decoding them, so it walks the codec's layout with the
// codec's own tags. test/diff/payload-view.test.ts checks every field of every event type against
// decodeValue, so a layout change that this file does not follow fails there.
const { NULL: TAG_NULL, FALSE: TAG_FALSE, TRUE: TAG_TRUE, INT: TAG_INT, FLOAT: TAG_FLOAT, STRING: TAG_STRING, ARRAY: TAG_ARRAY, OBJECT: TAG_OBJECT, TENSOR: TAG_TENSOR, TENSOR_BLOB: TAG_TENSOR_BLOB } = TAG;
const DTYPES = Dtype.options;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const keyBytesCache = new Map<string, Uint8Array>();

function keyBytes(key: string): Uint8Array {
  let b = keyBytesCache.get(key);
  if (b === undefined) {
    b = textEncoder.encode(key);
    keyBytesCache.set(key, b);
  }
  return b;
}

/** dtype and shape of an encoded tensor, read from its header. */
export interface TensorHeader {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Elements (product of the shape). */
  readonly size: number;
}

// The scanner's cursor: module state rather than an object per call, because the diff scans
// millions of payloads and the scanner must not allocate. Every function below sets it before use.
let at = 0;

/**
 * Read-only access to the top-level fields of an encoded payload (an object in the canonical
 * codec) without decoding it: where a field's encoded value lies, so that two payloads can be
 * compared field by field as bytes and only a field that differs is decoded. The encoding is
 * canonical (sorted keys, one encoding per value), so equal bytes mean equal values; unequal
 * bytes almost always mean unequal values, except that a tensor stored inline in one run and in
 * the blob table in the other differs in bytes only — callers decode to be sure.
 *
 * A view allocates nothing until asked for keys or values: positions are found by scanning, and
 * a field's position is an offset into `bytes`.
 */
export class PayloadView {
  constructor(
    readonly bytes: Buffer,
    readonly start = 0,
    readonly end = bytes.length,
  ) {}

  /** Offset of the encoded value of field `key`, or -1 when the payload has no such field (or is not an object). */
  find(key: string): number {
    const b = this.bytes;
    const k = keyBytes(key);
    if (b[this.start] !== TAG_OBJECT) return -1;
    at = this.start + 1;
    const n = uvarint(b, this.end);
    outer: for (let i = 0; i < n; i++) {
      const len = uvarint(b, this.end);
      const keyAt = at;
      at += len;
      if (len === k.length) {
        for (let j = 0; j < len; j++) if (b[keyAt + j] !== k[j]) {
          at = skipValue(b, at, this.end, 0);
          continue outer;
        }
        return at;
      }
      at = skipValue(b, at, this.end, 0);
    }
    return -1;
  }

  /** Every field name with the offsets of its encoded value, in (sorted) key order. */
  fields(): { key: string; start: number; end: number }[] {
    const b = this.bytes;
    const out: { key: string; start: number; end: number }[] = [];
    if (b[this.start] !== TAG_OBJECT) return out;
    at = this.start + 1;
    const n = uvarint(b, this.end);
    for (let i = 0; i < n; i++) {
      const len = uvarint(b, this.end);
      const key = textDecoder.decode(b.subarray(at, at + len));
      const start = at + len;
      const end = skipValue(b, start, this.end, 0);
      out.push({ key, start, end });
      at = end;
    }
    if (at !== this.end) throw new PayloadCodecError(`${this.end - at} trailing bytes after payload`, { at });
    return out;
  }

  /** End offset of the value at `pos`. */
  valueEnd(pos: number): number {
    return skipValue(this.bytes, pos, this.end, 0);
  }

  /** True when the value at `pos` is null (or `pos` is -1: no such field). */
  isNullAt(pos: number): boolean {
    return pos < 0 || this.bytes[pos] === TAG_NULL;
  }

  /** dtype and shape of the tensor at `pos`, or null when it holds no tensor. */
  tensorHeaderAt(pos: number): TensorHeader | null {
    if (pos < 0) return null;
    const b = this.bytes;
    const tag = b[pos];
    if (tag !== TAG_TENSOR && tag !== TAG_TENSOR_BLOB) return null;
    const dtype = DTYPES[b[pos + 1]!]!;
    at = pos + 2;
    const ndim = uvarint(b, this.end);
    const shape: number[] = [];
    let size = 1;
    for (let d = 0; d < ndim; d++) {
      const n = uvarint(b, this.end);
      shape.push(n);
      size *= n;
    }
    return { dtype, shape, size };
  }

  /** Elements of the tensor at `pos` (without allocating), or -1 when it holds no tensor. */
  tensorSizeAt(pos: number): number {
    if (pos < 0) return -1;
    const b = this.bytes;
    const tag = b[pos];
    if (tag !== TAG_TENSOR && tag !== TAG_TENSOR_BLOB) return -1;
    at = pos + 2;
    const ndim = uvarint(b, this.end);
    let size = 1;
    for (let d = 0; d < ndim; d++) size *= uvarint(b, this.end);
    return size;
  }

  /** True when the value at `pos` and the value at `otherPos` in `other` have the same bytes. */
  sameValue(pos: number, other: PayloadView, otherPos: number): boolean {
    if (pos < 0 || otherPos < 0) return false;
    const end = this.valueEnd(pos);
    const otherEnd = other.valueEnd(otherPos);
    return end - pos === otherEnd - otherPos && this.bytes.compare(other.bytes, otherPos, otherEnd, pos, end) === 0;
  }

  /** The value at `pos` decoded (tensors in the blob table fetched through `options.getBlob`). */
  decodeAt(pos: number, options: DecodeOptions = {}): unknown {
    return decodeValue(this.bytes.subarray(pos, this.valueEnd(pos)), options);
  }

  /** The whole payload decoded. */
  decode(options: DecodeOptions = {}): unknown {
    return decodeValue(this.bytes.subarray(this.start, this.end), options);
  }
}

/** Reads an unsigned varint at the cursor and advances it. */
function uvarint(b: Buffer, end: number): number {
  let n = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (at >= end) throw new PayloadCodecError(`payload truncated at byte ${at}`, { at });
    const x = b[at++]!;
    n += (x & 0x7f) * scale;
    if (x < 0x80) return n;
    scale *= 0x80;
  }
  throw new PayloadCodecError(`malformed varint at byte ${at}`, { at });
}

/** Offset just after the encoded value starting at `pos` (moves the cursor). */
function skipValue(b: Buffer, pos: number, end: number, depth: number): number {
  if (depth > 64) throw new PayloadCodecError('payload nests deeper than 64 levels', { at: pos });
  if (pos >= end) throw new PayloadCodecError(`payload truncated at byte ${pos}`, { at: pos });
  at = pos + 1;
  switch (b[pos]) {
    case TAG_NULL:
    case TAG_FALSE:
    case TAG_TRUE:
      return at;
    case TAG_INT:
      uvarint(b, end);
      return at;
    case TAG_FLOAT:
      return at + 8;
    case TAG_STRING: {
      const n = uvarint(b, end);
      return at + n;
    }
    case TAG_ARRAY: {
      const n = uvarint(b, end);
      let p = at;
      for (let i = 0; i < n; i++) p = skipValue(b, p, end, depth + 1);
      return p;
    }
    case TAG_OBJECT: {
      const n = uvarint(b, end);
      let p = at;
      for (let i = 0; i < n; i++) {
        at = p;
        const len = uvarint(b, end);
        p = skipValue(b, at + len, end, depth + 1);
      }
      return p;
    }
    case TAG_TENSOR:
    case TAG_TENSOR_BLOB: {
      const blob = b[pos] === TAG_TENSOR_BLOB;
      at++; // dtype
      const ndim = uvarint(b, end);
      for (let i = 0; i < ndim; i++) uvarint(b, end);
      if (blob) return at + 32;
      const n = uvarint(b, end);
      return at + n;
    }
    default:
      throw new PayloadCodecError(`unknown value tag ${b[pos]} at byte ${pos}`, { at: pos, tag: b[pos] });
  }
}
