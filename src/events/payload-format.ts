import { FlightrecError } from '../errors/flightrec-error.js';
import type { KnownBlobs } from './known-blobs.js';
import { Dtype } from './tensor.js';

/** The codec's value tags (exported for readers that walk encoded payloads without decoding them, like the diff). */
export const TAG = { NULL: 0, FALSE: 1, TRUE: 2, INT: 3, FLOAT: 4, STRING: 5, ARRAY: 6, OBJECT: 7, TENSOR: 8, TENSOR_BLOB: 9 } as const;
/** Each tag as a module constant, for the encoder's and decoder's hot switches. */
export const TAG_NULL = TAG.NULL;
export const TAG_FALSE = TAG.FALSE;
export const TAG_TRUE = TAG.TRUE;
export const TAG_INT = TAG.INT;
export const TAG_FLOAT = TAG.FLOAT;
export const TAG_STRING = TAG.STRING;
export const TAG_ARRAY = TAG.ARRAY;
export const TAG_OBJECT = TAG.OBJECT;
export const TAG_TENSOR = TAG.TENSOR;
export const TAG_TENSOR_BLOB = TAG.TENSOR_BLOB;

export const DTYPES = Dtype.options;
export const DTYPE_CODE = new Map(DTYPES.map((d, i) => [d, i]));

export class PayloadCodecError extends FlightrecError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_PAYLOAD_BYTES', message, details);
  }
}

export interface EncodeOptions {
  /** Tensors with more bytes than this go to the blob table. Infinity keeps every tensor inline. */
  blobThreshold: number;
  /** Receives each blob (hash, bytes) that the encoded value references. */
  putBlob?: (hash: Uint8Array, bytes: Uint8Array) => Uint8Array | void;
  /** Blobs this writer already stored: a known tensor is referenced without hashing or storing it again. */
  knownBlobs?: KnownBlobs;
}

export interface DecodeOptions {
  /** Returns a blob's bytes by sha256; must throw when the blob is missing or does not match its hash. */
  getBlob?: (hash: Uint8Array) => Uint8Array;
}
