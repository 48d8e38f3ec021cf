import { Recorder } from '../src/record/recorder.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { verifyChain } from '../src/store/verify-chain.js';
import { prng } from '../test/helpers/sample-run.js';
import { annotation } from '../test/helpers/sample-events.js';
import { sleep, spawnHelper } from '../test/helpers/spawn-child.js';
import { integrityCheck, rawDatabase, runRow, storedSeqs } from '../test/helpers/temp-database.js';
import type { Benchmark } from './benchmark.js';
import { intFlag } from './benchmark.js';
import { fixed, machine, now, tempDir } from './bench-util.js';

const BATCH_SIZES = [1, 7, 50, 200, 1000];
const READY_TIMEOUT_MS = 60_000;

interface KillOutcome {
  mode: 'commit' | 'batch';
  /** Killed before the child said "ready" (while opening, migrating or starting its run). */
  early: boolean;
  stored: number;
  acked: number;
  problems: string[];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref())]);
}

function hasRunsTable(file: string): boolean {
  const db = rawDatabase(file);
  try {
    return db.prepare("select 1 from sqlite_master where type = 'table' and name = 'runs'").get() !== undefined;
  } finally {
    db.close();
  }
}

async function verified(file: string, run: string): Promise<string | null> {
  const store = await SqliteEventStore.open(file);
  try {
    const r = await verifyChain(store, run);
    return r.ok ? null : `${run}: chain: ${r.problem}`;
  } finally {
    await store.close();
  }
}

/** One child recording into `file`, killed with SIGKILL at a random moment; then every check, then recording resumes. */
async function killOnce(file: string, run: string, mode: 'commit' | 'batch', rand: (n: number) => number, maxDelayMs: number): Promise<KillOutcome> {
  const batchSize = BATCH_SIZES[rand(BATCH_SIZES.length)]!;
  const early = rand(10) === 0;
  const problems: string[] = [];
  const child = spawnHelper('recording-child.js', [mode, file, run, '100000000', String(batchSize)]);
  if (early) await sleep(rand(600));
  else {
    try {
      await withTimeout(child.waitForLine((l) => l === 'ready'), READY_TIMEOUT_MS, `${run}: ready`);
    } catch (e) {
      problems.push((e as Error).message);
    }
    await sleep(rand(maxDelayMs));
  }
  child.proc.kill('SIGKILL');
  const { signal, stderr } = await child.exited;
  if (signal !== 'SIGKILL') problems.push(`${run}: the child was not recording when killed (signal ${signal}, stderr ${stderr.slice(0, 200)})`);
  const ready = child.lines.includes('ready');

  const integrity = integrityCheck(file);
  if (integrity !== 'ok') problems.push(`${run}: integrity_check: ${integrity}`);
  // A kill before the first migration committed leaves a file without tables: no run, nothing to check but integrity.
  const row = hasRunsTable(file) ? runRow(file, run) : undefined;
  const seqs = row === undefined ? [] : storedSeqs(file, run);
  const acked = child.lines.filter((l) => /^\d+$/.test(l)).map(Number);
  if (row === undefined) {
    if (ready) problems.push(`${run}: the run is missing although the child had started it`);
  } else {
    if (seqs.some((s, i) => s !== i)) problems.push(`${run}: stored seqs are not gapless from 0`);
    if (row.head_seq !== seqs.length - 1) problems.push(`${run}: head_seq ${row.head_seq} but ${seqs.length} events stored`);
    if (row.status !== 'recording') problems.push(`${run}: status ${row.status}, expected recording`);
    if (ready && seqs.length < 1) problems.push(`${run}: run.started (flushed before "ready") is missing`);
    if (mode === 'commit') {
      if (acked.some((s, i) => s !== i + 1)) problems.push(`${run}: acknowledgements out of order`);
      const lastAck = acked.at(-1) ?? 0;
      if (lastAck > seqs.length - 1) problems.push(`${run}: acknowledged seq ${lastAck} is lost (stored up to ${seqs.length - 1})`);
      if (seqs.length - 1 - lastAck > 1) problems.push(`${run}: ${seqs.length - 1 - lastAck} events stored beyond the last acknowledgement (at most the one in flight may be)`);
    } else if (seqs.length > 0 && (seqs.length - 1) % batchSize !== 0) {
      problems.push(`${run}: ${seqs.length - 1} events after run.started is not a whole number of batches of ${batchSize} (partial batch)`);
    }
    const chain = await verified(file, run);
    if (chain !== null) problems.push(chain);
  }

  // Recording resumes: the killed run continues from its stored head, and a new run starts beside it.
  try {
    const rec = await Recorder.open(file);
    if (row !== undefined) {
      const resumed = await rec.resumeRun(run);
      if (resumed.seq !== seqs.length) problems.push(`${run}: resumed at seq ${resumed.seq}, expected ${seqs.length}`);
      for (let i = 0; i < 3; i++) resumed.append(annotation(i));
    }
    const fresh = await rec.startRun({ id: `${run}-after` });
    fresh.append(annotation(0));
    await rec.close();
    if (row !== undefined) {
      const after = storedSeqs(file, run);
      if (after.length !== seqs.length + 4 || after.some((s, i) => s !== i)) problems.push(`${run}: after resuming, ${after.length} events stored, expected ${seqs.length + 4}`);
      if (runRow(file, run)?.status !== 'completed') problems.push(`${run}: the resumed run did not end as completed`);
      const chain = await verified(file, run);
      if (chain !== null) problems.push(`after resuming: ${chain}`);
    }
    const chain = await verified(file, `${run}-after`);
    if (chain !== null) problems.push(chain);
  } catch (e) {
    problems.push(`${run}: recording after the kill failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { mode, early: early && !ready, stored: seqs.length, acked: acked.length, problems };
}

/**
 * Crash soak: a child process records (test/helpers/recording-child.ts) and is killed with SIGKILL
 * at a random moment, alternately in 'commit' and 'batch' durability; one kill in ten lands before
 * the child is ready (opening, migrating, starting its run). After every kill: integrity_check,
 * gapless seqs, no partial batch, no acknowledged event lost ('commit'), the chain verifies, and
 * recording resumes (the killed run via resumeRun, and a new run). Several kills share a file.
 */
export const crashBenchmark: Benchmark = {
  name: 'crash',
  description: 'SIGKILL soak of a recording child in both durability modes: kills and failures',
  async run(args) {
    const kills = intFlag(args, 'kills', 200);
    const perDb = intFlag(args, 'per-db', 10);
    const maxDelayMs = intFlag(args, 'max-delay', 1500);
    const seed = intFlag(args, 'seed', 1);
    const rand = prng(seed);
    const dir = tempDir('flightrec-crash');
    const outcomes: KillOutcome[] = [];
    const t0 = now();
    try {
      for (let k = 0; k < kills; k++) {
        const mode = k % 2 === 0 ? 'commit' : 'batch';
        const file = dir.file(`soak-${Math.floor(k / perDb)}.db`);
        const outcome = await killOnce(file, `kill-${k}`, mode, rand, maxDelayMs);
        outcomes.push(outcome);
        for (const p of outcome.problems) args.log(`FAILURE ${p}`);
        if ((k + 1) % 20 === 0 || k + 1 === kills) {
          const failed = outcomes.filter((o) => o.problems.length > 0).length;
          args.log(`${k + 1}/${kills} kills, ${failed} failed, ${fixed((now() - t0) / 1000, 0)} s`);
        }
      }
    } finally {
      dir.cleanup();
    }
    const failures = outcomes.filter((o) => o.problems.length > 0);
    const byMode = (m: 'commit' | 'batch') => outcomes.filter((o) => o.mode === m);
    const sum = (os: KillOutcome[], f: (o: KillOutcome) => number) => os.reduce((n, o) => n + f(o), 0);
    const seconds = (now() - t0) / 1000;
    args.log(
      `${kills} kills (${byMode('commit').length} commit, ${byMode('batch').length} batch; ${outcomes.filter((o) => o.early).length} before the child was ready), ` +
        `${failures.length} failures, ${sum(outcomes, (o) => o.stored)} events stored at the kills, ${sum(byMode('commit'), (o) => o.acked)} acknowledged in 'commit' mode, ${fixed(seconds, 0)} s`,
    );
    return {
      kills,
      failures: failures.length,
      commit_kills: byMode('commit').length,
      batch_kills: byMode('batch').length,
      early_kills: outcomes.filter((o) => o.early).length,
      events_stored: sum(outcomes, (o) => o.stored),
      commit_acknowledged: sum(byMode('commit'), (o) => o.acked),
      seconds: Math.round(seconds),
      seed,
      machine: machine(),
      problems: failures.flatMap((o) => o.problems).slice(0, 20),
    };
  },
};
