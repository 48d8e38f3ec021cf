import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initNumericBackend } from '../src/agent/backend/numeric-backend.js';
import { recordReferenceTraining } from '../src/harness/reference-training.js';
import { f32 } from '../src/events/tensor.js';
import { readEventsOfType } from '../src/store/event-reader.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { parseSwap } from '../replay/component-spec.js';
import { reevaluate } from '../replay/reevaluate.js';
import { resolveSwap } from '../replay/resolve-swap.js';
import { loadRunContext } from '../replay/run-context.js';
import type { Benchmark } from './benchmark.js';
import { intFlag } from './benchmark.js';
import { collectGarbage, fixed, now, round } from './bench-util.js';

/**
 * Counterfactual re-evaluation with a swapped critic against the floor: the swapped critic's raw
 * forward passes over exactly the inputs the replay asked it about, batched, in this process.
 */
export const replayBenchmark: Benchmark = {
  name: 'replay',
  description: 're-evaluate ≥ 5,000 recorded decisions with a swapped critic; ratio to the raw batched forward passes',
  async run(args) {
    const episodes = intFlag(args, 'episodes', 175);
    const backend = await initNumericBackend('auto');
    const dir = mkdtempSync(join(tmpdir(), 'flightrec-replay-'));
    const db = join(dir, 'run.db');
    try {
      args.log(`recording ${episodes} gridworld episodes (not measured)…`);
      const source = await recordReferenceTraining({ db, env: 'gridworld', episodes, seed: 1 });
      const store = await SqliteEventStore.open(db, { mustExist: true });
      try {
        collectGarbage();
        const t0 = now();
        const report = await reevaluate(store, source.run, { swaps: [parseSwap('critic=@latest')] });
        const replaySeconds = (now() - t0) / 1000;

        // The floor: the same critic version, the same inputs, in large batches.
        const ctx = await loadRunContext(store, source.run);
        const critic = await resolveSwap(store, ctx, parseSwap('critic=@latest'));
        const rows: Float32Array[] = [];
        let width = 0;
        for await (const e of readEventsOfType(store, report.derived_run, 'critic.evaluated')) {
          rows.push(e.payload.states.data as Float32Array);
          width = e.payload.states.shape[1]!;
        }
        const total = rows.reduce((n, r) => n + r.length / width, 0);
        const all = new Float32Array(total * width);
        let at = 0;
        for (const r of rows) {
          all.set(r, at);
          at += r.length;
        }
        const batch = 4096;
        const evaluate = (c: { evaluate(s: ReturnType<typeof f32>): unknown }) => {
          for (let i = 0; i < total; i += batch) {
            const n = Math.min(batch, total - i);
            c.evaluate(f32(all.subarray(i * width, (i + n) * width), [n, width]));
          }
        };
        const component = critic.component as unknown as { evaluate(s: ReturnType<typeof f32>): unknown };
        evaluate(component); // warm-up
        collectGarbage();
        const t1 = now();
        evaluate(component);
        const rawSeconds = (now() - t1) / 1000;
        critic.dispose();
        const ratio = replaySeconds / rawSeconds;
        args.log(`re-evaluated ${report.decisions} decisions in ${fixed(replaySeconds)} s (${fixed(report.decisions / replaySeconds, 0)} decisions/s); flip rate ${fixed(100 * report.flip_rate)}%`);
        args.log(`raw forward passes of the swapped critic over the same ${total} input rows, batched ${batch}: ${fixed(rawSeconds * 1000, 1)} ms`);
        args.log(`ratio_vs_raw_compute ${fixed(ratio, 1)} (target ≤ 2.0: ${ratio <= 2 ? 'met' : 'missed'})`);
        args.log(`calls answered from the log vs computed: ${JSON.stringify(report.calls)}`);
        return {
          backend: `${backend.name} ${backend.backendVersion}`,
          decisions: report.decisions,
          seconds: round(replaySeconds),
          decisions_per_s: round(report.decisions / replaySeconds, 1),
          raw_compute_seconds: round(rawSeconds, 4),
          critic_rows: total,
          ratio_vs_raw_compute: round(ratio, 2),
          flip_rate: round(report.flip_rate, 4),
          calls: report.calls,
          target_met: ratio <= 2,
        };
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
