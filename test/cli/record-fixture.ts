import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Json } from '../../src/events/common-schemas.js';
import { f32, i32 } from '../../src/events/tensor.js';
import { Recorder } from '../../src/record/recorder.js';

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'flightrec-test-'));
}

/** Float32 values given by their bits: NaNs with payloads and signs that arithmetic would not produce on purpose. */
export function f32Bits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

/**
 * Records a small but complete run: every envelope field used, tensors inline and in the blob
 * table, NaN / -0 / ±Infinity in tensors and in scalar floats, and one writer-chosen id.
 * Returns the number of events it holds.
 */
export async function recordFixture(db: string, id: string, options: { decisions?: number; blobThreshold?: number; config?: Json } = {}): Promise<number> {
  const decisions = options.decisions ?? 3;
  const rec = await Recorder.open(db);
  const run = await rec.startRun({
    id,
    name: `fixture ${id}`,
    env: 'gridworld',
    seed: 7,
    config: options.config ?? { horizon: 3 },
    components: [{ name: 'critic', role: 'critic', kind: 'mlp', version: 'v1' }],
    blobThreshold: options.blobThreshold,
  });
  run.append({ type: 'episode.started', episode: 0, payload: { env_seed: 1, observation: f32([0, 1]), env_state: null } });
  for (let d = 0; d < decisions; d++) {
    const start = run.append({ type: 'decision.started', episode: 0, step: d, decision: d, payload: { observation: f32([d, -0]), rng_state: `rng${d}`, versions: { critic: 'v1' }, env_state: null } });
    const values = new Float32Array(100).map((_, i) => i / 3);
    values.set([NaN, -0, Infinity, -Infinity]);
    run.append({ type: 'critic.evaluated', episode: 0, step: d, decision: d, component: 'critic', version: 'v1', parent: start.seq, payload: { states: f32(new Float32Array(8), [4, 2]), values: f32(values) } });
    run.append({ type: 'actor.chose', episode: 0, step: d, decision: d, component: 'critic', version: 'v1', parent: start.seq, payload: { action: 1, candidates: i32([0, 1]), scores: f32([0.5, 1.5]), chosen_index: 1, value: NaN, chooser: 'critic' } });
    run.append({ type: 'env.stepped', episode: 0, step: d, decision: d, payload: { action: 1, observation: f32([d + 1, 0]), reward: -1, terminated: false, truncated: false, performance: null } });
  }
  run.append({ type: 'component.updated', component: 'critic', version: 'v2', payload: { from_version: 'v1', to_version: 'v2', update: 1, loss: Infinity - Infinity, grad_norm: -0, batch: { events: [1, 2], tensors: { x: f32(f32Bits([0x7fc00001, 0xffc00000, 0xff800000, 0x80000000])) } }, hyper: { lr: 0.001 } } });
  run.append({ type: 'annotation', id: `${id}-note`, payload: { target: 2, label: 'odd', note: null, author: 'test' } });
  const n = run.seq + 1; // run.ended
  await run.end('completed');
  await rec.close();
  return n;
}
