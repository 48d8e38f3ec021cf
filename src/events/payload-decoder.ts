import { tensorFromBytes } from './tensor-codec.js';
import { DTYPES, PayloadCodecError, TAG_NULL, TAG_FALSE, TAG_TRUE, TAG_INT, TAG_FLOAT, TAG_STRING, TAG_ARRAY, TAG_OBJECT, TAG_TENSOR, TAG_TENSOR_BLOB, type DecodeOptions } from './payload-format.js';


const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes written by `encodeValue`. Throws PayloadCodecError on truncated or malformed input. */
export function decodeValue(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  const r = new Reader(bytes, options);
  const v = r.value(0);
  if (r.pos !== bytes.length) throw new PayloadCodecError(`${bytes.length - r.pos} trailing bytes after payload`, { at: r.pos });
  return v;
}

class Reader {
  pos = 0;
  private view: DataView;
  constructor(
    private readonly b: Uint8Array,
    private readonly o: DecodeOptions,
  ) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new PayloadCodecError(`payload truncated at byte ${this.pos} (needs ${n} more)`, { at: this.pos });
  }
  private byte(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  private uvarint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(n)) break;
        return n;
      }
      scale *= 0x80;
    }
    throw new PayloadCodecError(`malformed varint at byte ${this.pos}`, { at: this.pos });
  }
  private slice(n: number): Uint8Array {
    this.need(n);
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  private string(): string {
    const s = this.slice(this.uvarint());
    try {
      return textDecoder.decode(s);
    } catch {
      throw new PayloadCodecError(`invalid UTF-8 string at byte ${this.pos}`, { at: this.pos });
    }
  }

  value(depth: number): unknown {
    if (depth > 64) throw new PayloadCodecError('payload nests deeper than 64 levels', { at: this.pos });
    const tag = this.byte();
    switch (tag) {
      case TAG_NULL:
        return null;
      case TAG_FALSE:
        return false;
      case TAG_TRUE:
        return true;
      case TAG_INT: {
        const z = this.uvarint();
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      case TAG_FLOAT: {
        this.need(8);
        const x = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return x;
      }
      case TAG_STRING:
        return this.string();
      case TAG_ARRAY: {
        const n = this.uvarint();
        if (n > this.b.length - this.pos) throw new PayloadCodecError(`array length ${n} exceeds the payload`, { at: this.pos });
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
        return out;
      }
      case TAG_OBJECT: {
        const n = this.uvarint();
        if (n > this.b.length - this.pos) throw new PayloadCodecError(`object size ${n} exceeds the payload`, { at: this.pos });
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.string();
          if (k === '__proto__') throw new PayloadCodecError('payload key __proto__ is not allowed', { at: this.pos });
          out[k] = this.value(depth + 1);
        }
        return out;
      }
      case TAG_TENSOR:
      case TAG_TENSOR_BLOB: {
        const dtype = DTYPES[this.byte()];
        if (dtype === undefined) throw new PayloadCodecError(`unknown tensor dtype code at byte ${this.pos - 1}`, { at: this.pos - 1 });
        const ndim = this.uvarint();
        if (ndim > 32) throw new PayloadCodecError(`tensor with ${ndim} dimensions`, { at: this.pos });
        const shape: number[] = [];
        for (let i = 0; i < ndim; i++) shape.push(this.uvarint());
        if (tag === TAG_TENSOR) return tensorFromBytes(dtype, shape, this.slice(this.uvarint()));
        const hash = this.slice(32);
        if (this.o.getBlob === undefined) throw new PayloadCodecError('payload references a blob but no blob store was given', { at: this.pos });
        return tensorFromBytes(dtype, shape, this.o.getBlob(hash));
      }
      default:
        throw new PayloadCodecError(`unknown value tag ${tag} at byte ${this.pos - 1}`, { at: this.pos - 1, tag });
    }
  }
}
