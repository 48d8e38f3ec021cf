import { createHash } from 'node:crypto';
import type { Tensor } from '../src/events/tensor.js';
import type { RecordedEvent } from '../src/events/registry.js';
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

  find<T extends RecordedEvent['type']>(component: string, type: T, key: string): RecordedEvent<T> | undefined {
    return this.calls.get(`${component}|${type}|${key}`) as RecordedEvent<T> | undefined;
  }
}

function callKey(e: RecordedEvent): string | null {
  const c = e.component ?? '';
  switch (e.type) {
    case 'world_model.predicted':
      return `${c}|${e.type}|${inputKey(e.payload.states, e.payload.actions)}`;
    case 'reward.evaluated':
      return `${c}|${e.type}|${inputKey(e.payload.states, e.payload.actions, e.payload.next_states)}`;
    case 'critic.evaluated':
      return `${c}|${e.type}|${inputKey(e.payload.states)}`;
    case 'actor.proposed':
      return `${c}|${e.type}|${inputKey(e.payload.states)}`;
    default:
      return null;
  }
}
