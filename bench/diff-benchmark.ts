/**
 * `diff`: how fast `flightrec diff` streams two million-event runs, and in how much memory.
 *
 * Two runs of ≥ 1,000,000 events each are recorded through the Recorder (synthetic but
 * decision-shaped, see below); run B differs from A at a few planted decisions (two critic
 * changes, one action flip, one different observation). Generation is not measured. The diff
 * then runs in a child process — so that its peak RSS (`process.resourceUsage().maxRSS`) is the
 * diff's own, not the generator's — `--rounds` times; seconds are the median, RSS the max.
 * Extra children time the stages alone (paged SQL reads; + grouping into decisions) to show
 * where the time goes, and the CLI end to end (`flightrec diff A B --json`).
 *
 * Per decision (cart-pole-like: obs 4, 2 actions, a 3-level search with 2, 4 and 8 nodes):
 * decision.started, actor.proposed, the root critic.evaluated, 3 × (world_model.predicted,
 * reward.evaluated, critic.evaluated), 3 × planner.expanded, actor.chose, env.stepped = 17
 * events; episodes are 200 decisions long. Every value is a function of the decision index
 * alone, so two runs with the same plant are identical.
 *
 * Flags: --decisions N (60,000 → 1.02M events per run), --rounds N (3), --db=FILE (keep the
 * generated runs there and reuse them on the next run), --baseline (also time the generic
 * reader, readDecisions, on both runs: slow).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diffRuns } from '../src/diff/diff-runs.js';
import { readDiffUnits } from '../src/diff/read-diff-units.js';
import { readRawEvents } from '../src/store/read-raw-events.js';
import { diffEventTypes } from '../src/diff/diff-runs.js';
import { f32, i32 } from '../src/events/tensor.js';
import { Recorder } from '../src/record/recorder.js';
import { readDecisions } from '../src/store/decision-stream.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { boolFlag, intFlag, type BenchArgs, type Benchmark } from './benchmark.js';
import { fixed, int, machine, median, now, removeDatabase, round, table, tempDir } from './bench-util.js';

/** Targets from the issue. */
const TARGET_SECONDS = 10;
const TARGET_RSS_MB = 300;
const RUN_A = 'diff-bench-a';
const RUN_B = 'diff-bench-b';

const EVENTS_PER_DECISION = 17;
const EPISODE_LENGTH = 200;
const OBS = 4;
const ACTIONS = 2;
const LEVELS = [2, 4, 8] as const;
const VERSIONS = { world_model: 'a1b2c3d4e5f60718', reward: 'b2c3d4e5f6071829', critic: 'c3d4e5f60718293a', actor: 'd4e5f60718293a4b', planner: 'e5f60718293a4b5c' };

/** What run B changes, by decision index. */
interface Plant {
  /** Root and level critic values +0.5 (a deliberation divergence). */
  critic: readonly number[];
  /** The chosen action flips (actor.chose and env.stepped). */
  flip: readonly number[];
  /** The observation differs (an input divergence). */
  observation: readonly number[];
}

const NO_PLANT: Plant = { critic: [], flip: [], observation: [] };

/** mulberry32 over the decision index and a stream label: the same numbers in every run. */
function stream(decision: number, label: number): () => number {
  let a = (Math.imul(decision + 1, 0x9e3779b1) ^ Math.imul(label + 1, 0x85ebca6b)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function floats(n: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next();
  return out;
}

// ---------------------------------------------------------------------------------------------
// The runs.

/** Records run `id` with `decisions` decisions into `db`; returns the number of events written. */
export async function recordSyntheticRun(db: string, id: string, decisions: number, plant: Plant = NO_PLANT): Promise<number> {
  const critic = new Set(plant.critic);
  const flip = new Set(plant.flip);
  const observation = new Set(plant.observation);
  const recorder = await Recorder.open(db);
  try {
    const run = await recorder.startRun({ id, name: `diff benchmark ${id}`, env: 'synthetic', seed: 1, components: Object.entries(VERSIONS).map(([name, version]) => ({ name, role: name as 'critic', kind: 'synthetic', version })) });
    let episodeReturn = 0;
    for (let d = 0; d < decisions; d++) {
      const episode = Math.floor(d / EPISODE_LENGTH);
      const step = d % EPISODE_LENGTH;
      const next = stream(d, 0);
      if (step === 0) {
        episodeReturn = 0;
        run.append({ type: 'episode.started', episode, step: 0, payload: { env_seed: episode, observation: f32(floats(OBS, stream(d, 1))), env_state: null } });
      }
      const obs = floats(OBS, observation.has(d) ? stream(d, 7) : stream(d, 1));
      const bias = critic.has(d) ? 0.5 : 0;
      const at = { episode, step, decision: d };
      const started = run.append({ type: 'decision.started', ...at, payload: { observation: f32(obs), rng_state: (d * 2654435761 >>> 0).toString(16).padStart(32, '0'), versions: VERSIONS, env_state: { x: obs[0]!, t: step } } });
      const parent = started.seq;
      const call = (component: keyof typeof VERSIONS) => ({ ...at, component, version: VERSIONS[component], parent });
      const root = f32(obs, [1, OBS]);
      const probs = floats(ACTIONS, next).map((x) => x + 0.5);
      const sum = probs.reduce((a, b) => a + b, 0);
      run.append({ type: 'actor.proposed', ...call('actor'), payload: { states: root, probs: f32(probs.map((p) => p / sum), [1, ACTIONS]), mean: null, std: null } });
      run.append({ type: 'critic.evaluated', ...call('critic'), payload: { states: root, values: f32([next() + bias]) } });
      const levelScores: Float32Array[] = [];
      for (const n of LEVELS) {
        const states = f32(floats(n * OBS, next), [n, OBS]);
        const actions = i32(Array.from({ length: n }, (_, i) => i % ACTIONS));
        const nextStates = f32(floats(n * OBS, next), [n, OBS]);
        run.append({ type: 'world_model.predicted', ...call('world_model'), payload: { states, actions, next_states: nextStates, rewards: null, done: f32(floats(n, next)) } });
        run.append({ type: 'reward.evaluated', ...call('reward'), payload: { states, actions, next_states: nextStates, rewards: f32(floats(n, next)) } });
        run.append({ type: 'critic.evaluated', ...call('critic'), payload: { states: nextStates, values: f32(floats(n, next).map((v) => v + bias)) } });
        levelScores.push(floats(n, next));
      }
      let planParent = parent;
      LEVELS.forEach((n, depth) => {
        planParent = run.append({
          type: 'planner.expanded',
          ...call('planner'),
          parent: planParent,
          payload: {
            depth,
            actions: i32(Array.from({ length: n * (depth + 1) }, (_, i) => i % ACTIONS), [n, depth + 1]),
            parents: depth === 0 ? null : i32(Array.from({ length: n }, (_, i) => i >> 1)),
            states: null,
            rewards: f32(floats(n, next)),
            leaf_values: f32(floats(n, next)),
            scores: f32(levelScores[depth]!),
            expanded: depth === LEVELS.length - 1 ? [] : Array.from({ length: n }, (_, i) => i),
            chosen: [0],
          },
        }).seq;
      });
      const scores = floats(ACTIONS, next);
      let best = scores[0]! >= scores[1]! ? 0 : 1;
      if (flip.has(d)) {
        best = 1 - best;
        scores[best] = scores[1 - best]! + 0.25;
      }
      run.append({ type: 'actor.chose', ...call('planner'), payload: { action: best, candidates: i32([0, 1]), scores: f32(scores), chosen_index: best, value: scores[best]!, chooser: 'planner' } });
      const reward = next() + 0.5;
      episodeReturn += reward;
      const last = step === EPISODE_LENGTH - 1 || d === decisions - 1;
      run.append({ type: 'env.stepped', ...at, parent, payload: { action: best, observation: f32(floats(OBS, stream(d + 1, 1))), reward, terminated: false, truncated: last, performance: null } });
      if (last) {
        run.append({ type: 'episode.ended', episode, step: step + 1, payload: { return: episodeReturn, discounted_return: episodeReturn, performance_return: null, length: step + 1, reason: 'truncated' } });
        // Let the recorder's batch timer run, as a training loop does between episodes.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await run.end('completed', null, { episodes: Math.ceil(decisions / EPISODE_LENGTH), decisions });
    return run.seq;
  } finally {
    await recorder.close();
  }
}

/** Where B differs from A, for a run of `decisions` decisions. */
function plantFor(decisions: number): Plant {
  const at = (f: number) => Math.floor(decisions * f);
  return { critic: [at(1 / 6), at(1 / 3)], flip: [at(1 / 2)], observation: [at(3 / 4)] };
}

type Stage = 'diff' | 'read' | 'units' | 'generic';

interface ChildResult {
  stage: Stage;
  seconds: number;
  cpu_seconds: number;
  peak_rss_mb: number;
  /** RSS after imports and opening the store, before the measured work. */
  start_rss_mb: number;
  /** Events the stage read (the diff reads decision events and episode ends). */
  events: number;
  /** Events stored in each run (head seq + 1). */
  run_events: [number, number];
  summary?: Record<string, unknown>;
}

/** Runs one stage in a fresh process (this file, executed directly) and returns what it measured. */
function child(stage: Stage, db: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--diff-bench-child', stage, db], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`diff benchmark child (${stage}) exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

/** Times the CLI as a user runs it: `flightrec diff A B --db X --json` (process start included). */
function cli(db: string): Promise<{ seconds: number; code: number | null }> {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const t0 = now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [main, '--db', db, '--json', 'diff', RUN_A, RUN_B], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('close', (code) => resolve({ seconds: (now() - t0) / 1000, code }));
  });
}

/** The measured work, in the child process. */
async function runChild(stage: Stage, db: string): Promise<ChildResult> {
  const store = await SqliteEventStore.open(db, { mustExist: true, readonly: true });
  try {
    const [a, b] = [await store.getRun(RUN_A), await store.getRun(RUN_B)];
    const startRss = process.memoryUsage().rss;
    const c0 = process.cpuUsage();
    const t0 = now();
    let events = 0;
    let summary: Record<string, unknown> | undefined;
    if (stage === 'diff') {
      const r = await diffRuns({ store, run: RUN_A }, { store, run: RUN_B });
      events = r.stats.events_a + r.stats.events_b;
      summary = { aligned: r.aligned, unaligned: r.unaligned, differing_decisions: r.differing_decisions, flips: r.flips.count, first_divergence: r.first_divergence && { episode: r.first_divergence.episode, step: r.first_divergence.step, kind: r.first_divergence.kind, event_type: r.first_divergence.event_type, field: r.first_divergence.field } };
    } else if (stage === 'generic') {
      for (const run of [RUN_A, RUN_B]) for await (const d of readDecisions(store, run)) events += 2 + d.events.length;
    } else {
      // Both runs page by page in lockstep, as the diff reads them.
      const open = (pk: number) => (stage === 'read' ? readRawEvents(store, pk, diffEventTypes()) : readDiffUnits(readRawEvents(store, pk, diffEventTypes()), 'bench'));
      const ia = open(a.pk)[Symbol.asyncIterator]();
      const ib = open(b.pk)[Symbol.asyncIterator]();
      for (;;) {
        const [x, y] = [await ia.next(), await ib.next()];
        if (x.done && y.done) break;
        for (const v of [x.value, y.value]) if (v !== undefined) events += Array.isArray(v) ? v.length : v.kind === 'decision' ? v.events.length : 1;
      }
    }
    const seconds = (now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    return { stage, seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6, peak_rss_mb: process.resourceUsage().maxRSS / 1024, start_rss_mb: startRss / 1e6, events, run_events: [a.head_seq + 1, b.head_seq + 1], ...(summary ? { summary } : {}) };
  } finally {
    await store.close();
  }
}

async function hasRuns(db: string): Promise<boolean> {
  if (!existsSync(db)) return false;
  const store = await SqliteEventStore.open(db, { mustExist: true });
  try {
    const [a, b] = [await store.findRun(RUN_A), await store.findRun(RUN_B)];
    return a?.status === 'completed' && b?.status === 'completed';
  } finally {
    await store.close();
  }
}

export const diffBenchmark: Benchmark = {
  name: 'diff',
  description: 'diff two runs of ≥ 1M events each: seconds and peak RSS, with a stage breakdown',
  async run(args: BenchArgs): Promise<Record<string, unknown>> {
    const decisions = intFlag(args, 'decisions', 60_000);
    const rounds = intFlag(args, 'rounds', 3);
    const keep = typeof args.flags.db === 'string' ? args.flags.db : null;
    const log = args.log;
    const tmp = tempDir('flightrec-bench-diff');
    const db = keep ?? tmp.file('diff.db');
    try {
      const m = machine();
      log(`diff: two runs of ${int(decisions)} decisions × ${EVENTS_PER_DECISION} events (+ episode and run events), B planted to differ at 4 decisions`);
      log(`machine: ${m.cpus} × ${m.cpu}, node ${m.node}`);
      let generation: number | null = null;
      if (keep !== null && (await hasRuns(db))) {
        log(`reusing the runs in ${db}`);
      } else {
        if (keep !== null) removeDatabase(db);
        const t0 = now();
        const ea = await recordSyntheticRun(db, RUN_A, decisions);
        const eb = await recordSyntheticRun(db, RUN_B, decisions, plantFor(decisions));
        generation = (now() - t0) / 1000;
        log(`generated ${int(ea)} + ${int(eb)} events in ${fixed(generation, 1)} s (not measured)`);
      }

      const diffs: ChildResult[] = [];
      for (let r = 0; r < rounds; r++) {
        const d = await child('diff', db);
        diffs.push(d);
        log(`round ${r + 1}/${rounds}: diff ${fixed(d.seconds, 2)} s (CPU ${fixed(d.cpu_seconds, 2)} s), peak RSS ${fixed(d.peak_rss_mb, 0)} MB`);
      }
      const read = await child('read', db);
      const units = await child('units', db);
      const generic = boolFlag(args, 'baseline') ? await child('generic', db) : null;
      const viaCli = await cli(db);

      const seconds = median(diffs.map((d) => d.seconds));
      const cpuSeconds = median(diffs.map((d) => d.cpu_seconds));
      const peak = Math.max(...diffs.map((d) => d.peak_rss_mb));
      const events = diffs[0]!.events;
      const summary = diffs[0]!.summary!;
      log('');
      const rows = [
        ['paged SQL reads of both runs (packed pages, unpacked to raw rows)', fixed(read.seconds, 2), fixed(read.cpu_seconds, 2), fixed(read.peak_rss_mb, 0)],
        ['+ grouping into decisions, order checks', fixed(units.seconds, 2), fixed(units.cpu_seconds, 2), fixed(units.peak_rss_mb, 0)],
        ['full diff (+ merge-join, byte compare, deltas, report)', fixed(seconds, 2), fixed(cpuSeconds, 2), fixed(peak, 0)],
        ['flightrec diff A B --json (CLI, process start included)', fixed(viaCli.seconds, 2), '-', '-'],
        ...(generic ? [['baseline: generic readDecisions of both runs (decodes all)', fixed(generic.seconds, 2), fixed(generic.cpu_seconds, 2), fixed(generic.peak_rss_mb, 0)]] : []),
      ];
      for (const line of table(['stage (each in a fresh process)', 'seconds', 'CPU s', 'peak RSS MB'], rows)) log(line);
      log(`(${int(events)} events diffed: ${int(Math.round(events / seconds))} events/s; the process starts at ~${fixed(diffs[0]!.start_rss_mb, 0)} MB RSS before reading)`);
      log(`first divergence: ${JSON.stringify(summary.first_divergence)}; aligned ${int(summary.aligned as number)}, flips ${summary.flips as number}`);
      const secondsMet = seconds < TARGET_SECONDS;
      const rssMet = peak < TARGET_RSS_MB;
      log(`target seconds < ${TARGET_SECONDS}: ${fixed(seconds, 2)} → ${secondsMet ? 'MET' : 'NOT MET'}`);
      log(`target peak RSS < ${TARGET_RSS_MB} MB: ${fixed(peak, 0)} → ${rssMet ? 'MET' : 'NOT MET'}`);
      if (viaCli.code !== 1) log(`warning: the CLI exited ${String(viaCli.code)}, expected 1 (runs differ)`);
      return {
        decisions,
        events_per_run: diffs[0]!.run_events,
        events_diffed: events,
        rounds,
        machine: m,
        generation_seconds: generation === null ? null : round(generation, 1),
        seconds: round(seconds),
        cpu_seconds: round(cpuSeconds),
        peak_rss_mb: round(peak, 1),
        events_per_s: Math.round(events / seconds),
        seconds_by_round: diffs.map((d) => round(d.seconds)),
        stages: {
          read: { seconds: round(read.seconds), cpu_seconds: round(read.cpu_seconds), peak_rss_mb: round(read.peak_rss_mb, 1) },
          units: { seconds: round(units.seconds), cpu_seconds: round(units.cpu_seconds), peak_rss_mb: round(units.peak_rss_mb, 1) },
          ...(generic ? { generic_read_decisions: { seconds: round(generic.seconds), cpu_seconds: round(generic.cpu_seconds), peak_rss_mb: round(generic.peak_rss_mb, 1) } } : {}),
        },
        cli_seconds: round(viaCli.seconds),
        cli_exit_code: viaCli.code,
        result: summary,
        targets: {
          seconds: { target: TARGET_SECONDS, value: round(seconds), met: secondsMet },
          peak_rss_mb: { target: TARGET_RSS_MB, value: round(peak, 1), met: rssMet },
        },
      };
    } finally {
      tmp.cleanup();
    }
  },
};

if (process.argv[2] === '--diff-bench-child' && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runChild(process.argv[3] as Stage, process.argv[4]!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
