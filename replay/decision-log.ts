import { createHash } from 'node:crypto';
import type { Tensor } from '../src/events/tensor.js';
import { eventType, type RecordedEvent } from '../src/events/registry.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';

/** Content key of a call's inputs: equal tensors (bit for bit) give equal keys. */
export function inputKey(...tensors: (Tensor | null)[]): string {
  const h = createHash('sha1');
  for (const t of tensors) {
    if (t === null) {
      h.update('-');
      continue;
    }
    h.update(`${t.dtype}[${t.shape.join(',')}]`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('base64');
}

/**
 * The recorded calls of the decision being replayed, indexed by component and input content,
 * so an unchanged component asked the same question answers from the log instead of computing.
 */
export class DecisionLog {
  private readonly calls = new Map<string, RecordedEvent>();
  private record: DecisionRecord | null = null;
  /** Per component: calls answered from the log and calls that had to compute. */
  readonly calls_by_component: Record<string, { reused: number; computed: number }> = {};

  count(component: string, how: 'reused' | 'computed'): void {
    (this.calls_by_component[component] ??= { reused: 0, computed: 0 })[how]++;
  }

  set(record: DecisionRecord): void {
    this.record = record;
    this.calls.clear();
    for (const e of record.events) {
      const key = callKey(e);
      if (key !== null && !this.calls.has(key)) this.calls.set(key, e);
    }
  }

  /** Version of a component in effect at this decision (decision.started's versions). */
  versionOf(name: string): string | null {
    return this.record?.started.payload.versions[name] ?? null;
  }

  get decisionSeq(): number {
    return this.record?.started.seq ?? 0;
  }

  /** The recorded call of `component` whose inputs (in the order the event type declares them) are `inputs`, bit for bit. */
  find<T extends RecordedEvent['type']>(component: string, type: T, ...inputs: (Tensor | null)[]): RecordedEvent<T> | undefined {
    return this.calls.get(`${component}|${type}|${inputKey(...inputs)}`) as RecordedEvent<T> | undefined;
  }
}

/** The key of a recorded call: its component, type and the declared input fields, bit for bit. */
function callKey(e: RecordedEvent): string | null {
  const inputs = eventType(e.type).inputs;
  if (inputs.length === 0) return null;
  const payload = e.payload as Readonly<Record<string, unknown>>;
  return `${e.component ?? ''}|${e.type}|${inputKey(...inputs.map((f) => (payload[f] ?? null) as Tensor | null))}`;
}
