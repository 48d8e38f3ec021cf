/**
 * A process that records into a flightrec database, for crash, signal and concurrency tests.
 * Usage: node recording-child.js <mode> <db> <run> [count] [batchSize]
 *   commit    — 'commit' durability; prints each seq after `await emit` resolves; runs until killed
 *   batch     — 'batch' durability, batches of <batchSize> closed by count only; prints "committed" after the first batch; runs until killed
 *   sigterm   — appends <count> events (fewer than a batch), prints "ready", then idles until signalled
 *   exit      — appends <count> events and returns without close(): the normal-exit flush must store them
 *   concurrent — appends <count> events with ids `<run>/<i>` in batches of <batchSize>, then closes
 *   contend   — resumes <run> (started by someone else) and appends until <count> or a write error; prints JSON
 * Every mode prints "ready" once its run exists, before the loop starts.
 */
import { Recorder } from '../../src/record/recorder.js';
import { criticEvaluated } from './sample-events.js';

const [mode, db, runId, countArg, batchArg] = process.argv.slice(2);
const count = Number(countArg ?? 1_000_000);
const batchSize = Number(batchArg ?? 50);
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Events with an occasional blob-sized tensor, so crashes also hit blob inserts. */
function event(i: number, id?: string) {
  return criticEvaluated(i, { rows: i % 9 === 0 ? 24 : 2, ...(id !== undefined ? { id } : {}) });
}

async function main(): Promise<void> {
  if (db === undefined || runId === undefined) throw new Error('usage: recording-child <mode> <db> <run> [count] [batchSize]');
  const rec = await Recorder.open(db);
  switch (mode) {
    case 'commit': {
      const run = await rec.startRun({ id: runId, durability: 'commit' });
      await run.flush();
      out('ready');
      for (let i = 0; i < count; i++) {
        const ref = await run.emit(event(i));
        out(String(ref.seq));
      }
      return;
    }
    case 'batch': {
      // batchMs far beyond the test: batches close by count only, so their boundaries are known.
      const run = await rec.startRun({ id: runId, batchSize, batchMs: 1e9 });
      await run.flush();
      out('ready');
      // Tells the test that recording is under way (a batch after run.started committed), so a kill timed from it lands mid-recording however loaded the machine is.
      const sub = run.events$.subscribe((e) => {
        if (e.seq >= 1) {
          out('committed');
          sub.unsubscribe();
        }
      });
      for (let i = 0; i < count; i++) {
        run.append(event(i));
        if (i % 200 === 0) await yieldNow();
      }
      return;
    }
    case 'sigterm': {
      const run = await rec.startRun({ id: runId, batchSize: 100_000, batchMs: 1e9 });
      for (let i = 0; i < count; i++) run.append(event(i));
      out('ready');
      setInterval(() => undefined, 1000);
      return;
    }
    case 'exit': {
      const run = await rec.startRun({ id: runId, batchSize: 100_000, batchMs: 1e9 });
      for (let i = 0; i < count; i++) run.append(event(i));
      out('ready');
      return;
    }
    case 'concurrent': {
      const run = await rec.startRun({ id: runId, batchSize, batchMs: 1e9 });
      out('ready');
      for (let i = 0; i < count; i++) {
        run.append(event(i, `${runId}/${i}`));
        if (i % batchSize === 0) await yieldNow();
      }
      await rec.close();
      return;
    }
    case 'contend': {
      const run = await rec.resumeRun(runId, { batchSize, batchMs: 1e9 });
      const codes: string[] = [];
      run.errors$.subscribe((e) => codes.push(e.code));
      out('ready');
      let appended = 0;
      for (let i = 0; i < count && codes.length === 0; i++) {
        run.append(event(i));
        appended++;
        if (i % batchSize === 0) await yieldNow();
      }
      const flushed = await run.flush().then(
        () => 'ok',
        (e: { code?: string }) => e.code ?? 'unknown',
      );
      out(JSON.stringify({ codes, appended, flushed, seq: run.seq }));
      // The store refuses this writer for good; leave without writing run.ended.
      await rec.store.close();
      return;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
