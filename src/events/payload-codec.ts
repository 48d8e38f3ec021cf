import { hash as oneShotHash } from 'node:crypto';
import { isTensor, type Tensor } from './tensor.js';
import { tensorBytes } from './tensor-codec.js';
import { DTYPE_CODE, PayloadCodecError, TAG_NULL, TAG_FALSE, TAG_TRUE, TAG_INT, TAG_FLOAT, TAG_STRING, TAG_ARRAY, TAG_OBJECT, TAG_TENSOR, TAG_TENSOR_BLOB, type EncodeOptions } from './payload-format.js';

export { PayloadCodecError, TAG, type DecodeOptions, type EncodeOptions } from './payload-format.js';
export { decodeValue } from './payload-decoder.js';

/**
 * A compact, canonical binary encoding for event payloads (and the envelope tuple hashed into the
 * chain). Canonical means one value has one encoding: object keys are sorted, integers that fit
 * are varints, other numbers are float64 bits. That is what lets the hash chain be recomputed
 * from stored bytes and lets export → import reproduce the same hashes.
 *
 * Tensors are raw bytes; those above `blobThreshold` bytes are replaced by their sha256 and
 * handed to `putBlob`, so a repeated tensor is stored once.
 */

const textEncoder = new TextEncoder();
const keyCache = new Map<string, Uint8Array>();
const LONE_SURROGATE = /\p{Cs}/u;
/** Integers in [-2^52, 2^52) have a zigzag varint that is still a safe integer (so the decoder accepts it); others are floats. */
const INT_LIMIT = 2 ** 52;

/** Growable output buffer; reused across encodes to keep the hot path allocation-light. */
class Writer {
  buf = new Uint8Array(1024);
  view = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  /** Unsigned varint of any safe integer (base-128, arithmetic so values above 2^32 work). */
  uvarint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  float(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}

const shared = new Writer();

/** Encodes a payload value canonically. Throws PayloadCodecError on values JSON-like data cannot hold (undefined in arrays, functions, cycles, non-plain objects). */
export function encodeValue(value: unknown, options: EncodeOptions = { blobThreshold: Infinity }): Uint8Array {
  const w = shared.pos === 0 ? shared : new Writer();
  try {
    writeValue(w, value, options, 0, []);
    return w.take();
  } catch (e) {
    w.pos = 0;
    throw e;
  }
}

/**
 * Encodes `head` and then `body` after the raw bytes `prefix`, in one pass into one buffer:
 * `joined` is prefix ‖ encode(head) ‖ encode(body) (a view, valid until the next encode), `body`
 * a copy of body's encoding. It is what a hash chain hashes, without concatenating three buffers.
 */
export function encodeJoined(prefix: Uint8Array, head: unknown, body: unknown, options: EncodeOptions): { joined: Uint8Array; body: Uint8Array } {
  const joined = encodeJoinedView(prefix, head, body, options);
  return { joined, body: joined.slice(joinedBodyStart) };
}

/** Where `body` starts in the view the last encodeJoinedView returned. */
let joinedBodyStart = 0;

/**
 * encodeJoined without copies: the view of prefix ‖ encode(head) ‖ encode(body) in the shared
 * buffer, valid until the next encode; the body starts at `lastJoinedBodyStart()`. For the
 * recorder's hot path, which copies the body into its batch's arena and hashes the view.
 */
export function encodeJoinedView(prefix: Uint8Array, head: unknown, body: unknown, options: EncodeOptions): Uint8Array {
  const w = shared.pos === 0 ? shared : new Writer();
  try {
    w.bytes(prefix);
    writeValue(w, head, INLINE, 0, []);
    joinedBodyStart = w.pos;
    writeValue(w, body, options, 0, []);
    const joined = w.buf.subarray(0, w.pos);
    w.pos = 0;
    return joined;
  } catch (e) {
    w.pos = 0;
    throw e;
  }
}

export function lastJoinedBodyStart(): number {
  return joinedBodyStart;
}

const INLINE: EncodeOptions = { blobThreshold: Infinity };

/**
 * Writes a length-prefixed UTF-8 string. ASCII strings (keys, types, ids, hex states: nearly all)
 * are copied char by char, where UTF-8 is the same bytes; others are encoded, short ones once
 * (cached: keys repeat, and the lone-surrogate check is a regex).
 */
function writeKey(w: Writer, key: string): void {
  const n = key.length;
  if (n <= 1024) {
    let i = 0;
    while (i < n && key.charCodeAt(i) < 0x80) i++;
    if (i === n) {
      w.uvarint(n);
      w.ensure(n);
      const buf = w.buf;
      let at = w.pos;
      for (let j = 0; j < n; j++) buf[at++] = key.charCodeAt(j);
      w.pos = at;
      return;
    }
  }
  let b = n <= 64 ? keyCache.get(key) : undefined;
  if (b === undefined) {
    // TextEncoder would silently replace a lone surrogate with U+FFFD: refuse rather than record another string.
    if (LONE_SURROGATE.test(key)) throw new PayloadCodecError(`string ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)} has a lone UTF-16 surrogate and cannot be encoded as UTF-8`, {});
    b = textEncoder.encode(key);
    if (n <= 64 && keyCache.size < 4096) keyCache.set(key, b);
  }
  w.uvarint(b.length);
  w.bytes(b);
}

/** The keys and indices from the root to the value being written; made into a string only for an error. */
type PathStack = (string | number)[];

function pathText(path: PathStack): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? k : `.${k}`;
  return out;
}

function writeValue(w: Writer, v: unknown, o: EncodeOptions, depth: number, path: PathStack): void {
  if (depth > 64) throw new PayloadCodecError(`payload nests deeper than 64 levels at ${pathText(path) || '(root)'}`, { path: pathText(path) });
  if (v === null) return w.byte(TAG_NULL);
  switch (typeof v) {
    case 'boolean':
      return w.byte(v ? TAG_TRUE : TAG_FALSE);
    case 'number':
      if (Number.isInteger(v) && v >= -INT_LIMIT && v < INT_LIMIT && !Object.is(v, -0)) {
        w.byte(TAG_INT);
        w.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
      } else {
        w.byte(TAG_FLOAT);
        w.float(v);
      }
      return;
    case 'string':
      w.byte(TAG_STRING);
      return writeKey(w, v);
    case 'object':
      break;
    default:
      throw new PayloadCodecError(`cannot encode a ${typeof v} at ${pathText(path) || '(root)'}`, { path: pathText(path), type: typeof v });
  }
  if (Array.isArray(v)) {
    w.byte(TAG_ARRAY);
    w.uvarint(v.length);
    // An element one level past the limit is refused by writeValue, never written here.
    const shallow = depth < 64;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      // Lists of seqs and ids are most of what arrays hold: small non-negative integers skip the
      // path bookkeeping and the dispatch (the same bytes writeValue gives them; -0 goes the long way).
      if (shallow && typeof x === 'number' && x >= 1 && x < INT_LIMIT && Number.isInteger(x)) {
        w.byte(TAG_INT);
        w.uvarint(x * 2);
        continue;
      }
      path.push(i);
      if (v[i] === undefined) throw new PayloadCodecError(`undefined array element at ${pathText(path)}`, { path: pathText(path) });
      writeValue(w, v[i], o, depth + 1, path);
      path.pop();
    }
    return;
  }
  if (isTensor(v)) return writeTensor(w, v, o, path);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    throw new PayloadCodecError(`cannot encode a ${(v as object).constructor?.name ?? 'non-plain object'} at ${pathText(path) || '(root)'}`, { path: pathText(path) });
  }
  const obj = v as Record<string, unknown>;
  let keys = Object.keys(obj);
  // One pass: undefined values (filtered out, rare), __proto__ (refused), order (sorted only when
  // not already, which the payloads of one event type usually are).
  let sorted = true;
  let defined = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (obj[k] === undefined) defined = false;
    else if (k === '__proto__') throw new PayloadCodecError(`payload key __proto__ is not allowed at ${pathText(path) || '(root)'}`, { path: pathText(path) });
    if (i > 0 && keys[i - 1]! > k) sorted = false;
  }
  if (!defined) keys = keys.filter((k) => obj[k] !== undefined);
  if (!sorted) keys.sort();
  w.byte(TAG_OBJECT);
  w.uvarint(keys.length);
  for (const k of keys) {
    writeKey(w, k);
    path.push(k);
    writeValue(w, obj[k], o, depth + 1, path);
    path.pop();
  }
}

/**
 * sha256 of a blob's bytes. The one-shot hash as a latin1 ('binary') string, turned into bytes here, costs
 * half of a Hash object's update and digest on the few-hundred-byte tensors most blobs are.
 */
function sha256Bytes(bytes: Uint8Array): Uint8Array {
  const s = oneShotHash('sha256', bytes, 'binary');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
  return out;
}

function writeTensor(w: Writer, t: Tensor, o: EncodeOptions, path: PathStack): void {
  const code = DTYPE_CODE.get(t.dtype);
  if (code === undefined) throw new PayloadCodecError(`unknown tensor dtype ${String(t.dtype)} at ${pathText(path)}`, { path: pathText(path), dtype: t.dtype });
  const bytes = tensorBytes(t);
  const toBlob = bytes.byteLength > o.blobThreshold && o.putBlob !== undefined;
  w.byte(toBlob ? TAG_TENSOR_BLOB : TAG_TENSOR);
  w.byte(code);
  w.uvarint(t.shape.length);
  for (const d of t.shape) w.uvarint(d);
  if (toBlob) {
    let hash = o.knownBlobs?.get(t.data, bytes);
    if (hash === undefined) {
      hash = sha256Bytes(bytes);
      const stored = o.putBlob!(hash, bytes);
      o.knownBlobs?.set(t.data, hash, stored ?? bytes.slice());
    }
    w.bytes(hash);
  } else {
    w.uvarint(bytes.byteLength);
    w.bytes(bytes);
  }
}
