import type { Critic } from '../src/agent/components.js';
import { f32, type Tensor } from '../src/events/tensor.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import { inputKey } from './decision-log.js';

/** Rows per forward pass when prefetching: large enough to amortise per-call overhead. */
const BATCH_ROWS = 4096;

/**
 * A swapped critic that evaluates a block of decisions' questions in a few large forward passes
 * before the planner asks them one decision at a time. Its questions are known in advance when
 * the world model answers from the log: the planner will ask about the states the source run's
 * critic was asked about. Anything else (a search that went elsewhere) is computed on demand, so
 * the answers are the same either way (the network's rows do not depend on their batch: checked
 * bit for bit on the wasm backend), only cheaper.
 */
export class PrefetchedCritic implements Critic {
  readonly role = 'critic' as const;
  private readonly cache = new Map<string, Tensor>();
  /** Calls answered from a prefetched batch, and calls computed on demand. */
  readonly stats = { prefetched: 0, computed: 0, forwardPasses: 0 };

  constructor(private readonly inner: Critic) {}

  get name(): string {
    return this.inner.name;
  }

  get kind(): string {
    return (this.inner as { kind?: string }).kind ?? 'module';
  }

  version(): string {
    return this.inner.version();
  }

  /** Evaluates every critic input the block's source decisions recorded, in large batches. */
  prefetch(block: readonly DecisionRecord[], sourceCritic: string): void {
    this.cache.clear();
    const calls: { key: string; states: Tensor }[] = [];
    const seen = new Set<string>();
    for (const rec of block) {
      for (const e of rec.events) {
        if (e.type !== 'critic.evaluated' || e.component !== sourceCritic) continue;
        const key = inputKey(e.payload.states);
        if (seen.has(key)) continue;
        seen.add(key);
        calls.push({ key, states: e.payload.states });
      }
    }
    let i = 0;
    while (i < calls.length) {
      const width = calls[i]!.states.shape[1]!;
      let rows = 0;
      let j = i;
      while (j < calls.length && calls[j]!.states.shape[1] === width && (rows === 0 || rows + calls[j]!.states.shape[0]! <= BATCH_ROWS)) rows += calls[j++]!.states.shape[0]!;
      const input = new Float32Array(rows * width);
      let at = 0;
      for (let k = i; k < j; k++) {
        input.set(calls[k]!.states.data as Float32Array, at);
        at += calls[k]!.states.data.length;
      }
      const values = this.inner.evaluate(f32(input, [rows, width])).data as Float32Array;
      this.stats.forwardPasses++;
      let row = 0;
      for (let k = i; k < j; k++) {
        const n = calls[k]!.states.shape[0]!;
        this.cache.set(calls[k]!.key, f32(values.slice(row, row + n)));
        row += n;
      }
      i = j;
    }
  }

  evaluate(states: Tensor): Tensor {
    const hit = this.cache.get(inputKey(states));
    if (hit !== undefined) {
      this.stats.prefetched++;
      return hit;
    }
    this.stats.computed++;
    this.stats.forwardPasses++;
    return this.inner.evaluate(states);
  }
}
