import { createHash } from 'node:crypto';
import { encodeValue } from './payload-codec.js';
import type { Tensor } from './tensor.js';

/**
 * sha256 (hex) of a minibatch's tensors in the payload codec's canonical encoding (keys sorted,
 * dtype, shape and raw bytes), so equal hashes mean the same tensors bit for bit. A batch recorded
 * by reference carries it; a rebuild derives the tensors again and compares.
 */
export function derivedBatchHash(tensors: Readonly<Record<string, Tensor>>): string {
  return createHash('sha256').update(encodeValue(tensors, { blobThreshold: Infinity })).digest('hex');
}
