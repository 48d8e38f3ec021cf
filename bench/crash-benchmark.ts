import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { recordYourAgent } from '../examples/record-your-agent.js';
import { Recorder } from '../src/record/recorder.js';
import { exportRun } from '../src/store/ndjson/export-run.js';
import { CLI } from '../test/cli/run-cli.js';
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

type Phase = 'record' | 'replay-verify' | 'replay-swap' | 'import';

interface KillOutcome {
  phase: Phase;
  mode: 'commit' | 'batch' | null;
  /** False when the child finished before the kill came (it is checked all the same). */
  killed: boolean;
  /** integrity_check not ok, or a chain that does not verify (`verify --all`). */
  corrupt: boolean;
  /** A run left with a gap, a head that disagrees with its rows, part of a batch, or part of an import. */
  torn: boolean;
  /** Events whose emit had resolved in 'commit' mode but that are not stored. */
  ackedLost: number;
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

  let corrupt = false;
  let torn = false;
  let ackedLost = 0;
  const integrity = integrityCheck(file);
  if (integrity !== 'ok') {
    corrupt = true;
    problems.push(`${run}: integrity_check: ${integrity}`);
  }
  // A kill before the first migration committed leaves a file without tables: no run, nothing to check but integrity.
  const row = hasRunsTable(file) ? runRow(file, run) : undefined;
  const seqs = row === undefined ? [] : storedSeqs(file, run);
  const acked = child.lines.filter((l) => /^\d+$/.test(l)).map(Number);
  if (row === undefined) {
    if (ready) problems.push(`${run}: the run is missing although the child had started it`);
  } else {
    if (seqs.some((s, i) => s !== i) || row.head_seq !== seqs.length - 1) torn = true;
    if (seqs.some((s, i) => s !== i)) problems.push(`${run}: stored seqs are not gapless from 0`);
    if (row.head_seq !== seqs.length - 1) problems.push(`${run}: head_seq ${row.head_seq} but ${seqs.length} events stored`);
    if (row.status !== 'recording') problems.push(`${run}: status ${row.status}, expected recording`);
    if (ready && seqs.length < 1) problems.push(`${run}: run.started (flushed before "ready") is missing`);
    if (mode === 'commit') {
      if (acked.some((s, i) => s !== i + 1)) problems.push(`${run}: acknowledgements out of order`);
      const lastAck = acked.at(-1) ?? 0;
      if (lastAck > seqs.length - 1) {
        ackedLost = lastAck - (seqs.length - 1);
        problems.push(`${run}: acknowledged seq ${lastAck} is lost (stored up to ${seqs.length - 1})`);
      }
      if (seqs.length - 1 - lastAck > 1) problems.push(`${run}: ${seqs.length - 1 - lastAck} events stored beyond the last acknowledgement (at most the one in flight may be)`);
    } else if (seqs.length > 0 && (seqs.length - 1) % batchSize !== 0) {
      torn = true;
      problems.push(`${run}: ${seqs.length - 1} events after run.started is not a whole number of batches of ${batchSize} (partial batch)`);
    }
    const chain = await verified(file, run);
    if (chain !== null) {
      corrupt = true;
      problems.push(chain);
    }
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
  return { phase: 'record', mode, killed: signal === 'SIGKILL', corrupt, torn, ackedLost, early: early && !ready, stored: seqs.length, acked: acked.length, problems };
}

/** A source database for the replay and import kills: one recorded run of a user agent, its export, and a module to swap in. */
interface ReplaySource {
  /** The database holding the recorded run (copied for every group of kills). */
  db: string;
  run: string;
  events: number;
  /** The run exported as NDJSON (trailer included). */
  ndjson: string;
  /** A database holding another run, copied as the import target so a killed import is seen beside an untouched run. */
  importTarget: string;
  /** A critic module for `--swap critic=module:<path>`. */
  critic: string;
  /** How long each uninterrupted child takes on this machine now (ms), to spread the kills over. */
  ms: Record<Exclude<Phase, 'record'>, number>;
}

/** run.started, 20 annotations, run.ended. */
const BYSTANDER_EVENTS = 22;
const TABULAR_AGENT = fileURLToPath(new URL('../examples/tabular-agent.js', import.meta.url));

const GOOD_CRITIC = `export default {
  name: 'soak_critic', role: 'critic', kind: 'user-module', version: () => 'v1',
  evaluate(states) {
    const n = states.shape[0];
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = states.data[i * states.shape[1]] ?? 0;
    return { dtype: 'float32', shape: [n], data: out };
  },
};
`;

function cliArgs(phase: Exclude<Phase, 'record'>, src: ReplaySource, file: string): string[] {
  if (phase === 'replay-verify') return ['--db', file, 'replay', src.run, '--verify'];
  if (phase === 'replay-swap') return ['--db', file, 'replay', src.run, '--swap', `critic=module:${src.critic}`];
  // The agent records an event family of its own (lookahead.drew): import validates it with the module that defines it.
  return ['--db', file, '--events', TABULAR_AGENT, 'import', src.ndjson];
}

function spawnCli(args: string[]): { proc: ChildProcess; exited: Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> } {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => (stderr += c));
  return { proc, exited: new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stderr }))) };
}

async function prepareSource(dir: { file(name: string): string }): Promise<ReplaySource> {
  const db = dir.file('source.db');
  const run = await recordYourAgent(db, 8);
  const store = await SqliteEventStore.open(db);
  const ndjson = dir.file('source.ndjson');
  let events = 0;
  try {
    events = (await store.getRun(run)).head_seq + 1;
    const out = createWriteStream(ndjson);
    await exportRun(store, run, out);
    out.end();
    await once(out, 'close');
  } finally {
    await store.close();
  }
  const importTarget = dir.file('import-target.db');
  const rec = await Recorder.open(importTarget);
  const other = await rec.startRun({ id: 'bystander' });
  for (let i = 0; i < BYSTANDER_EVENTS - 2; i++) other.append(annotation(i));
  await rec.close();
  const critic = dir.file('soak-critic.mjs');
  writeFileSync(critic, GOOD_CRITIC);
  const src: ReplaySource = { db, run, events, ndjson, importTarget, critic, ms: { 'replay-verify': 0, 'replay-swap': 0, import: 0 } };
  // One uninterrupted child of each kind: it must succeed, and its time spreads the kills over the whole job.
  for (const phase of ['replay-verify', 'replay-swap', 'import'] as const) {
    const file = dir.file(`timing-${phase}.db`);
    copyFileSync(phase === 'import' ? importTarget : db, file);
    const t0 = now();
    const r = await spawnCli(cliArgs(phase, src, file)).exited;
    if (r.code !== 0) throw new Error(`${phase} on the soak's source failed (exit ${r.code}): ${r.stderr.slice(0, 400)}`);
    src.ms[phase] = now() - t0;
  }
  return src;
}

/** Every run of a file: integrity_check, gapless seqs whose count is the head, and the chain (what `verify --all` checks). */
async function checkFile(file: string, label: string): Promise<{ corrupt: boolean; torn: boolean; problems: string[]; runs: Map<string, number> }> {
  const problems: string[] = [];
  let corrupt = false;
  let torn = false;
  const runs = new Map<string, number>();
  const integrity = integrityCheck(file);
  if (integrity !== 'ok') {
    corrupt = true;
    problems.push(`${label}: integrity_check: ${integrity}`);
  }
  if (!hasRunsTable(file)) return { corrupt, torn, problems, runs };
  const raw = rawDatabase(file);
  const ids = raw.prepare('select id from runs order by id').pluck().all() as string[];
  raw.close();
  const store = await SqliteEventStore.open(file, { readonly: true });
  try {
    for (const id of ids) {
      const row = runRow(file, id)!;
      const seqs = storedSeqs(file, id);
      runs.set(id, seqs.length);
      if (seqs.some((q, i) => q !== i) || row.head_seq !== seqs.length - 1) {
        torn = true;
        problems.push(`${label}: run ${id}: ${seqs.length} events stored, head_seq ${row.head_seq}, gapless ${seqs.every((q, i) => q === i)}`);
      }
      const r = await verifyChain(store, id);
      if (!r.ok) {
        corrupt = true;
        problems.push(`${label}: run ${id}: chain: ${r.problem}`);
      }
    }
  } finally {
    await store.close();
  }
  return { corrupt, torn, problems, runs };
}

/** One CLI child replaying (--verify, or --swap writing a derived run) or importing, killed with SIGKILL at a random moment; then every check. */
async function killCli(phase: Exclude<Phase, 'record'>, src: ReplaySource, file: string, k: number, rand: (n: number) => number): Promise<KillOutcome> {
  const label = `${phase} kill ${k}`;
  if (phase === 'import' || !existsSync(file)) copyFileSync(phase === 'import' ? src.importTarget : src.db, file);
  const before = phase === 'import' ? null : await checkFile(file, label);
  const child = spawnCli(cliArgs(phase, src, file));
  await sleep(rand(Math.max(1, Math.round(src.ms[phase] * 1.1))));
  child.proc.kill('SIGKILL');
  const { signal, code, stderr } = await child.exited;
  const killed = signal === 'SIGKILL';
  const c = await checkFile(file, label);
  const problems = [...c.problems];
  if (!killed && code !== 0) problems.push(`${label}: the child failed on its own (exit ${code}): ${stderr.slice(0, 300)}`);
  let torn = c.torn;
  if (phase === 'import') {
    // One transaction for the whole file: the run is there with every event, or not at all.
    const got = c.runs.get(src.run);
    if (got !== undefined && got !== src.events) {
      torn = true;
      problems.push(`${label}: the import left ${got} of ${src.events} events`);
    }
    if (!killed && got !== src.events) problems.push(`${label}: the import finished but the run has ${got ?? 0} events`);
    if (c.runs.get('bystander') !== BYSTANDER_EVENTS) problems.push(`${label}: the bystander run has ${c.runs.get('bystander')} events, not ${BYSTANDER_EVENTS}`);
  } else {
    // The recorded run is never touched; --verify writes nothing; --swap adds at most one derived run.
    if (c.runs.get(src.run) !== src.events) problems.push(`${label}: the source run has ${c.runs.get(src.run)} events, not ${src.events}`);
    const added = [...c.runs.keys()].filter((id) => !before!.runs.has(id));
    if (phase === 'replay-verify' && (added.length > 0 || c.runs.size !== before!.runs.size)) problems.push(`${label}: --verify changed the runs (${added.join(', ')})`);
    if (phase === 'replay-swap' && added.length > 1) problems.push(`${label}: one replay added ${added.length} runs`);
    for (const [id, n] of before!.runs) if (c.runs.get(id) !== n) problems.push(`${label}: run ${id} went from ${n} to ${c.runs.get(id)} events`);
  }
  return { phase, mode: null, killed, corrupt: c.corrupt, torn, ackedLost: 0, early: false, stored: [...c.runs.values()].reduce((a, b) => a + b, 0), acked: 0, problems };
}

const PHASES: readonly Phase[] = ['record', 'replay-verify', 'replay-swap', 'import'];

/**
 * Crash soak, SIGKILL at a random moment of each of four jobs in turn:
 * - record: a child records (test/helpers/recording-child.ts), alternately in 'commit' and 'batch'
 *   durability; one kill in ten lands before the child is ready (opening, migrating, starting its
 *   run). Then gapless seqs, no partial batch, no acknowledged event lost ('commit'), and recording
 *   resumes (the killed run via resumeRun, and a new run). Several kills share a file.
 * - replay-verify: `flightrec replay <run> --verify` (it only reads);
 * - replay-swap: `flightrec replay <run> --swap critic=module:…`, which writes a derived run;
 *   several kills share a file, so derived runs killed earlier are there for the next one;
 * - import: `flightrec import <export>` into a database holding another run.
 * After every kill: integrity_check, every run's chain (what `verify --all` checks), seqs gapless
 * and equal to the head. The last `--json` line counts kills, corrupt files, torn batches (or
 * imports) and acknowledged events lost: the targets are 0, 0, 0.
 */
export const crashBenchmark: Benchmark = {
  name: 'crash',
  description: 'SIGKILL soak of recording, replaying and importing children: kills, corrupt files, torn batches, acknowledged events lost',
  async run(args) {
    const kills = intFlag(args, 'kills', 1000);
    const perDb = intFlag(args, 'per-db', 10);
    const maxDelayMs = intFlag(args, 'max-delay', 1500);
    const seed = intFlag(args, 'seed', 1);
    const rand = prng(seed);
    const dir = tempDir('flightrec-crash');
    const outcomes: KillOutcome[] = [];
    const t0 = now();
    try {
      const src = await prepareSource(dir);
      args.log(`source: run ${src.run} of ${src.events} events; uninterrupted: replay --verify ${fixed(src.ms['replay-verify'], 0)} ms, replay --swap ${fixed(src.ms['replay-swap'], 0)} ms, import ${fixed(src.ms.import, 0)} ms`);
      for (let k = 0; k < kills; k++) {
        const phase = PHASES[k % PHASES.length]!;
        const round = Math.floor(k / PHASES.length);
        const group = Math.floor(round / perDb);
        let outcome: KillOutcome;
        if (phase === 'record') outcome = await killOnce(dir.file(`soak-${group}.db`), `kill-${k}`, round % 2 === 0 ? 'commit' : 'batch', rand, maxDelayMs);
        else outcome = await killCli(phase, src, dir.file(`${phase}-${phase === 'import' ? k : group}.db`), k, rand);
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
    const of = (p: Phase) => outcomes.filter((o) => o.phase === p);
    const byMode = (m: 'commit' | 'batch') => outcomes.filter((o) => o.mode === m);
    const sum = (os: KillOutcome[], f: (o: KillOutcome) => number) => os.reduce((n, o) => n + f(o), 0);
    const seconds = (now() - t0) / 1000;
    const phases = Object.fromEntries(PHASES.map((p) => [p, { jobs: of(p).length, killed: of(p).filter((o) => o.killed).length, failures: of(p).filter((o) => o.problems.length > 0).length }]));
    const corrupt = outcomes.filter((o) => o.corrupt).length;
    const torn = outcomes.filter((o) => o.torn).length;
    const lost = sum(outcomes, (o) => o.ackedLost);
    args.log(
      `${kills} jobs, ${outcomes.filter((o) => o.killed).length} killed mid-way (${PHASES.map((p) => `${p} ${phases[p]!.killed}/${phases[p]!.jobs}`).join(', ')}; ${outcomes.filter((o) => o.early).length} recordings before ready): ` +
        `${corrupt} corrupt files, ${torn} torn batches, ${lost} acknowledged events lost, ${failures.length} failures; ${sum(byMode('commit'), (o) => o.acked)} acknowledged in 'commit' mode, ${fixed(seconds, 0)} s, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    );
    return {
      kills,
      killed: outcomes.filter((o) => o.killed).length,
      corrupt_files: corrupt,
      torn_batches: torn,
      acknowledged_lost: lost,
      failures: failures.length,
      phases,
      commit_kills: byMode('commit').length,
      batch_kills: byMode('batch').length,
      early_kills: outcomes.filter((o) => o.early).length,
      events_stored: sum(of('record'), (o) => o.stored),
      commit_acknowledged: sum(byMode('commit'), (o) => o.acked),
      seconds: Math.round(seconds),
      load_average: loadavg().map((l) => Math.round(l * 10) / 10),
      seed,
      machine: machine(),
      problems: failures.flatMap((o) => o.problems).slice(0, 20),
    };
  },
};
