/**
 * One of the many-writers test's processes: records run <run> into <url> for <ms> milliseconds,
 * every event with the id `<run>/<i>`, in batches of a size drawn per batch from a generator
 * seeded by <seed>; about one emit in 50 repeats an earlier id (which must be recorded once).
 * Prints one JSON line: { run, emitted, duplicates, batches }.
 * Usage: node pg-writer-child.js <url> <run> <ms> <seed>
 */
import { Recorder } from '../../src/record/recorder.js';
import { SeededRng } from '../../src/random/seeded-rng.js';
import { criticEvaluated } from './sample-events.js';

const [url, runId, msArg, seedArg] = process.argv.slice(2);

async function main(): Promise<void> {
  if (url === undefined || runId === undefined) throw new Error('usage: pg-writer-child <url> <run> <ms> <seed>');
  const rng = SeededRng.fromSeed(`pg-writer-${seedArg ?? '0'}`);
  const rec = await Recorder.open(url);
  const run = await rec.startRun({ id: runId, batchSize: 1_000_000, batchMs: 1e9 });
  const until = Date.now() + Number(msArg ?? 5000);
  let emitted = 0;
  let duplicates = 0;
  let batches = 0;
  while (Date.now() < until) {
    const size = 1 + rng.int(400);
    for (let k = 0; k < size; k++) {
      if (emitted > 0 && rng.int(50) === 0) {
        const ref = run.append(criticEvaluated(0, { id: `${runId}/${rng.int(emitted)}` }));
        if (!ref.duplicate) throw new Error(`a repeated id was recorded again at seq ${ref.seq}`);
        duplicates++;
        continue;
      }
      // Every ninth event carries a blob-sized tensor, so blob inserts race across writers too.
      run.append(criticEvaluated(emitted, { id: `${runId}/${emitted}`, rows: emitted % 9 === 0 ? 24 : 2 }));
      emitted++;
    }
    await run.flush();
    batches++;
    await new Promise((r) => setImmediate(r));
  }
  await run.close();
  await rec.close();
  process.stdout.write(`${JSON.stringify({ run: runId, emitted, duplicates, batches })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
