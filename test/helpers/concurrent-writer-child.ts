/**
 * A writer process for the concurrent-writers test and benchmark. Every event it emits has the id
 * `<writer>/<k>` (k counts from 0 across the process), and it reports which of them were
 * acknowledged in 'commit' mode, so that the parent can compare with what the database holds.
 *
 * Usage: node concurrent-writer-child.js <own|shared> <db> <run> <writer> <startAt> <deadline> <seed> [maxGroup]
 *   own    — starts run <run> and appends until <deadline> (ms since the epoch), then closes it
 *   shared — resumes <run> (started by the parent) and appends until <deadline>; when the store
 *            refuses it because another writer moved the run's head, it drops that recorder (its
 *            refused events are never stored) and resumes the run afresh from the new head
 * Writing starts at <startAt>, so that writers started one after the other contend from the start.
 * <startAt> may be `file:<path>`: the writer then waits, after "ready", until that file holds
 * "<startAt> <deadline>" (the parent writes it once every writer is ready, however long a loaded
 * machine took to start them), and <deadline> is ignored.
 * Prints "ready" once the run exists (own) or is resumed (shared), then one JSON line: a WriterReport.
 */
import { existsSync, readFileSync } from 'node:fs';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import type { RecordingRun } from '../../src/record/recording-run.js';
import type { WriterReport } from './concurrent-check.js';
import { annotation, criticEvaluated, envStepped } from './sample-events.js';
import { prng } from './sample-run.js';

const [mode, db, runId, writer, startArg, deadlineArg, seedArg, groupArg] = process.argv.slice(2);
let startAt = Number(startArg);
let deadline = Number(deadlineArg);
const rand = prng(Number(seedArg ?? 1));
const maxGroup = Number(groupArg ?? 12);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Mixed events: small ones, blob-sized tensors (unique bytes per k), NaN and -0 in tensors. */
function eventFor(k: number) {
  const id = `${writer}/${k}`;
  switch (k % 4) {
    case 0:
      return criticEvaluated(k, { id, rows: 2 });
    case 1:
      return criticEvaluated(k, { id, rows: 24 }); // 384 bytes of states: a blob
    case 2:
      return envStepped(k, { id });
    default:
      return annotation(k, { id });
  }
}

async function readSchedule(file: string): Promise<[number, number]> {
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    const [a, b] = text.split(' ').map(Number);
    if (a! > 0 && b! > 0) return [a!, b!];
    await sleep(10);
  }
}

async function main(): Promise<void> {
  const scheduleFile = startArg?.startsWith('file:') ? startArg.slice(5) : null;
  if (db === undefined || runId === undefined || writer === undefined || (scheduleFile === null && !(deadline > 0))) {
    throw new Error('usage: concurrent-writer-child <own|shared> <db> <run> <writer> <startAt> <deadline> <seed> [maxGroup]');
  }
  const report: WriterReport = { writer, run: runId, mode: mode === 'own' ? 'own' : 'shared', acked: [], emitted: 0, codes: [], refusals: 0, resumes: 0, ended: false, error: null };
  const codes = new Set<string>();
  const ack = (k: number, seq: number) => {
    const last = report.acked[report.acked.length - 1];
    if (last !== undefined && last[0] + last[2] === k && last[1] + last[2] === seq) last[2]++;
    else report.acked.push([k, seq, 1]);
  };

  let rec = await Recorder.open(db);
  let run: RecordingRun;
  // The shared run's writers race for its head on purpose and resume from it after each refusal, on
  // a newly opened store: a writer thread starting (tens of ms) between resuming and the first
  // write would leave every resumed writer stale, so they write inline. The own runs use the thread.
  const shared = { durability: 'commit', writer: 'inline' } as const;
  if (mode === 'own') run = await rec.startRun({ id: runId, durability: 'commit' });
  else if (mode === 'shared') run = await rec.resumeRun(runId, shared);
  else throw new Error(`unknown mode ${mode}`);
  await run.flush();
  process.stdout.write('ready\n');
  if (scheduleFile !== null) [startAt, deadline] = await readSchedule(scheduleFile);
  if (Date.now() < startAt) await sleep(startAt - Date.now());

  let k = 0;
  while (Date.now() < deadline) {
    // A group of emits in one tick is one batch (one transaction) in 'commit' mode.
    const group = Array.from({ length: 1 + rand(maxGroup) }, () => k++);
    report.emitted += group.length;
    const results = await Promise.all(
      group.map((i) =>
        run.emit(eventFor(i)).then(
          (ref) => ({ i, seq: ref.seq, error: null }),
          (e: unknown) => ({ i, seq: -1, error: e }),
        ),
      ),
    );
    let refused = false;
    for (const r of results) {
      if (r.error === null) ack(r.i, r.seq);
      else {
        codes.add(r.error instanceof FlightrecError ? r.error.code : String((r.error as { code?: string }).code ?? r.error));
        if (r.error instanceof FlightrecError && r.error.code === 'RUN_HAS_ANOTHER_WRITER') refused = true;
      }
    }
    if (refused && mode === 'shared') {
      // Another writer moved the head: this recorder's events are refused for good. Start again from the stored head.
      report.refusals++;
      await rec.store.close();
      rec = await Recorder.open(db);
      run = await rec.resumeRun(runId, shared);
      report.resumes++;
    } else if (results.some((r) => r.error !== null)) break;
  }
  if (mode === 'own') {
    await run.close();
    report.ended = true;
    await rec.close();
  } else {
    // The parent ends the shared run once every writer is done; leave without run.ended.
    await run.flush().catch((e: unknown) => codes.add((e as { code?: string }).code ?? String(e)));
    await rec.store.close();
  }
  report.codes = [...codes];
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
