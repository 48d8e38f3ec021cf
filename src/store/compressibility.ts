/**
 * A few µs of counting that tells whether deflating a blob can pay, before paying ~40–90 µs for
 * the deflate itself (node:zlib sets up a stream per call). Deflate saves an eighth in two ways,
 * and each has a cheap witness:
 * - skewed bytes, which its Huffman codes shorten: the order-0 entropy is under 5.5 bits a byte;
 * - repeats, which its matches replace: at least 1/16 of the aligned 4-byte words occurred
 *   earlier in the blob (repeated rows of a batched tensor, runs of zeros, repeated values).
 * On the blobs of four demos (bench/README.md "demo database") the stored bytes come out the same
 * to the byte, and packing them takes 31–55% less time. A miss would only store a blob raw.
 */
export function mayDeflate(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  if (n === 0) return false;
  return entropyBitsPerByte(bytes) < 5.5 || repeatedWordShare(bytes) >= 1 / 16;
}

const histogram = new Uint32Array(256);

function entropyBitsPerByte(bytes: Uint8Array): number {
  histogram.fill(0);
  for (let i = 0; i < bytes.length; i++) histogram[bytes[i]!]!++;
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const c = histogram[b]!;
    if (c !== 0) bits -= c * Math.log2(c / bytes.length);
  }
  return bits / bytes.length;
}

/** Open addressing over the words seen so far; reused between calls and grown to the largest blob. */
let slots = new Uint32Array(1024);
let used = new Uint8Array(1024);

function repeatedWordShare(bytes: Uint8Array): number {
  const words = bytes.length >>> 2;
  if (words === 0) return 0;
  let size = 1024;
  let bits = 10;
  while (size < words * 2) {
    size *= 2;
    bits++;
  }
  if (slots.length < size) {
    slots = new Uint32Array(size);
    used = new Uint8Array(size);
  } else {
    used.fill(0, 0, size);
  }
  const mask = size - 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, words * 4);
  let repeated = 0;
  for (let w = 0; w < words; w++) {
    const x = view.getUint32(w * 4, true);
    // Fibonacci hashing: the product's high bits mix every bit of the word.
    let h = Math.imul(x, 0x9e3779b1) >>> (32 - bits);
    while (used[h] === 1 && slots[h] !== x) h = (h + 1) & mask;
    if (used[h] === 1) repeated++;
    else {
      used[h] = 1;
      slots[h] = x;
    }
  }
  return repeated / words;
}
