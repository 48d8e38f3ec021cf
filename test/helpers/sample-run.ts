import { Recorder } from '../../src/record/recorder.js';
import type { RunSeal } from '../../src/store/verify-chain.js';
import { runRow } from './temp-database.js';
import { annotation, componentUpdated, criticEvaluated, envStepped } from './sample-events.js';

/** A small deterministic PRNG (mulberry32) for choosing rows and bytes reproducibly. */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

/**
 * Records run `runId` with `count` events after run.started (inline and blob tensors, repeated blobs,
 * writer-chosen ids, null envelope fields, NaN floats) and an interleaved run `${runId}-other`,
 * closes both (each ends with run.ended) and returns the seal of the main run.
 */
export async function recordSampleRun(file: string, runId: string, count: number): Promise<RunSeal> {
  const rec = await Recorder.open(file);
  const run = await rec.startRun({ id: runId, name: 'sample', batchSize: 64 });
  const other = await rec.startRun({ id: `${runId}-other`, batchSize: 16 });
  for (let i = 0; i < count; i++) {
    switch (i % 6) {
      case 0:
        run.append(criticEvaluated(i, { rows: 2 }));
        break;
      case 1:
        // 20 rows × 4 floats = 320 bytes: above the 256-byte blob threshold; i % 5 repeats the same blob.
        run.append(criticEvaluated(i % 5, { rows: 20, episode: Math.floor(i / 100), step: i % 100 }));
        break;
      case 2:
        run.append(envStepped(i));
        break;
      case 3:
        run.append(annotation(i, { id: `${runId}-note-${i}` }));
        break;
      case 4:
        run.append(componentUpdated(i));
        break;
      default:
        run.append(criticEvaluated(i, { rows: 1, episode: null, step: null, component: 'critic2', id: `${runId}-c-${i}` }));
    }
    if (i % 10 === 0) other.append(annotation(i));
  }
  await rec.close();
  const row = runRow(file, runId)!;
  return { run: runId, events: row.head_seq + 1, head_hash: row.head_hash!.toString('hex') };
}
