import type { DecodeOptions } from '../events/payload-codec.js';
import { isTensor } from '../events/tensor.js';
import { PayloadView, type TensorHeader } from './payload-view.js';

/**
 * The payload fields of one event, whether still encoded (read lazily through a PayloadView) or
 * decoded and upcast (when the two runs stored the type at different schema versions). Delta
 * metrics read fields through this, so they decode only what they use.
 */
export interface EventFields {
  /** Field names, sorted. */
  keys(): string[];
  /** True when the field is missing or null. */
  isNull(key: string): boolean;
  /** dtype and shape when the field holds a tensor, else null (read without decoding the data). */
  header(key: string): TensorHeader | null;
  /** Elements of a tensor field (-1 when the field holds no tensor), without decoding it. */
  size(key: string): number;
  /** The decoded value of the field (undefined when missing). */
  value(key: string): unknown;
  /** True when the field is known to be equal in `other` without decoding (equal bytes); false means "not known". */
  sameField(key: string, other: EventFields): boolean;
}

/** Fields of an encoded payload, read in place; a field decoded once is kept (comparison and deltas both read it). */
export class RawFields implements EventFields {
  private decoded: Map<string, unknown> | null = null;

  constructor(
    readonly view: PayloadView,
    private readonly options: DecodeOptions,
  ) {}
  keys(): string[] {
    return this.view.fields().map((f) => f.key);
  }
  isNull(key: string): boolean {
    return this.view.isNullAt(this.view.find(key));
  }
  header(key: string): TensorHeader | null {
    return this.view.tensorHeaderAt(this.view.find(key));
  }
  /** Elements of a tensor field without allocating (-1 when it holds no tensor). */
  size(key: string): number {
    return this.view.tensorSizeAt(this.view.find(key));
  }
  value(key: string): unknown {
    if (this.decoded?.has(key)) return this.decoded.get(key);
    const p = this.view.find(key);
    const v = p < 0 ? undefined : this.view.decodeAt(p, this.options);
    (this.decoded ??= new Map()).set(key, v);
    return v;
  }
  sameField(key: string, other: EventFields): boolean {
    if (!(other instanceof RawFields)) return false;
    return this.view.sameValue(this.view.find(key), other.view, other.view.find(key));
  }
}

/** Fields of a decoded payload object. */
export class DecodedFields implements EventFields {
  constructor(readonly payload: Record<string, unknown>) {}
  keys(): string[] {
    return Object.keys(this.payload).sort();
  }
  isNull(key: string): boolean {
    const v = this.payload[key];
    return v === null || v === undefined;
  }
  header(key: string): TensorHeader | null {
    const v = this.payload[key];
    if (!isTensor(v)) return null;
    return { dtype: v.dtype, shape: v.shape, size: v.data.length };
  }
  size(key: string): number {
    const v = this.payload[key];
    return isTensor(v) ? v.data.length : -1;
  }
  value(key: string): unknown {
    return this.payload[key];
  }
  sameField(): boolean {
    return false;
  }
}
