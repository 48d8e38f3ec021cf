/**
 * `record`: how fast flightrec records, and how many bytes an event takes, against the practical
 * limits measured in the same process on the same events (the first design sketch's performance anchors, quoted in bench/README.md).
 *
 * Every variant writes the same N `critic.evaluated`-shaped events (a float32[1,32] states tensor
 * and a float32[1] values tensor, envelope episode/step/decision/component/version set, values
 * different in every event). Variants run in a rotating order for several rounds after a warm-up;
 * each figure is the median over rounds. Each timing covers open → write everything → close (the
 * close includes SQLite's final checkpoint), so fixed costs are counted once for everybody.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { hash } from 'node:crypto';
import { encodeValue } from '../src/events/payload-codec.js';
import { parseEventInput, type EventInput, type EventInputOf } from '../src/events/registry.js';
import { DEFAULT_BLOB_THRESHOLD, prepareEvent } from '../src/store/prepare-event.js';
import { RowArena } from '../src/store/row-arena.js';
import { Recorder } from '../src/record/recorder.js';
import { chainHash, envelopeBytes, GENESIS_HASH, type ChainedEnvelope } from '../src/store/hash-chain.js';
import type { PreparedEvent } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { SeededRng } from '../src/random/seeded-rng.js';
import { boolFlag, intFlag, type BenchArgs, type Benchmark } from './benchmark.js';
import { collectGarbage, gcMsBetween, threadCpuMs, trackGc, untrackGc, fixed, int, machine, median, now, removeDatabase, round, sqliteBytes, sqliteObjectBytes, table, tempDir } from './bench-util.js';

/** Targets from the issue: flightrec at ≥ 60% of raw throughput, ≤ 1.3× raw bytes per event. */
const TARGET_RATIO_VS_RAW = 0.6;
const TARGET_BYTES_RATIO = 1.3;
const TX_SIZE = 1000;
const RUN_ID = 'bench-record';

type CriticEvent = EventInputOf<'critic.evaluated'>;

interface Fixture {
  readonly events: readonly CriticEvent[];
  /**
   * flightrec's payload bytes of every event, packed in one buffer (event i is
   * `payloadBytes[payloadAt[i] .. payloadAt[i + 1])`), so that holding them adds no per-event objects
   * to the heap the measured variants run with.
   */
  readonly payloadBytes: Buffer;
  readonly payloadAt: Float64Array;
}

function makeFixture(n: number): Fixture {
  const events = makeEvents(n);
  const payloadAt = new Float64Array(n + 1);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const bytes = encodeLikePrepare(parseEventInput(events[i]).payload);
    parts.push(bytes);
    at += bytes.byteLength;
    payloadAt[i + 1] = at;
  }
  return { events, payloadBytes: Buffer.concat(parts, at), payloadAt };
}

function sliceFixture(f: Fixture, n: number): Fixture {
  return { events: f.events.slice(0, n), payloadBytes: f.payloadBytes.subarray(0, f.payloadAt[n]), payloadAt: f.payloadAt.slice(0, n + 1) };
}

/** N events like a critic evaluating one state per decision: 1,000 steps per episode. */
function makeEvents(n: number): CriticEvent[] {
  const rng = SeededRng.fromSeed(20261126);
  const floats = new Float32Array(n * 33);
  for (let i = 0; i < floats.length; i++) floats[i] = rng.normal();
  const events: CriticEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    events[i] = {
      type: 'critic.evaluated',
      episode: Math.floor(i / 1000),
      step: i % 1000,
      decision: i,
      component: 'critic',
      version: '9f86d081884c7d65',
      payload: {
        states: { dtype: 'float32', shape: [1, 32], data: floats.subarray(i * 33, i * 33 + 32) },
        values: { dtype: 'float32', shape: [1], data: floats.subarray(i * 33 + 32, i * 33 + 33) },
      },
    };
  }
  return events;
}

interface Measured {
  /** Wall time. */
  ms: number;
  /** CPU time of the process (user + system, all threads): less sensitive to other processes on a busy machine. */
  cpuMs: number;
  /** CPU time of the main thread alone (NaN where the OS does not say). */
  threadMs: number;
  /** Main-thread GC pause time during the write. */
  gcMs: number;
  bytes: number;
}

/** Times `write` (wall and CPU), then measures the bytes it left in `file`. */
async function measure(file: string, kind: 'sqlite' | 'file', write: () => Promise<void>): Promise<Measured> {
  const c0 = process.cpuUsage();
  const th0 = threadCpuMs();
  const t0 = now();
  await write();
  const t1 = now();
  const threadMs = threadCpuMs() - th0;
  const c = process.cpuUsage(c0);
  return { ms: t1 - t0, cpuMs: (c.user + c.system) / 1000, threadMs, gcMs: await gcMsBetween(t0, t1), bytes: kind === 'sqlite' ? sqliteBytes(file) : statSync(file).size };
}

// ---------------------------------------------------------------------------------------------
// Variants. Each writes all `events` to `file`, from opening it to closing it.

async function flightrecBatch(events: readonly CriticEvent[], file: string, writer: 'thread' | 'inline' = 'thread'): Promise<void> {
  const recorder = await Recorder.open(file);
  const run = await recorder.startRun({ id: RUN_ID, writer });
  for (let i = 0; i < events.length; i++) run.append(events[i]);
  await run.close();
  await recorder.close();
}

/**
 * durability 'commit': emit in chunks of TX_SIZE, flush, and wait for each chunk to be committed.
 * Workaround: with the default batchSize an emit() that fills a batch writes it synchronously and
 * its resolve callback reads `ref` before RecordingRun.emit has assigned it (ReferenceError thrown
 * inside the rxjs subscriber, which kills the process). So batches here are closed only by
 * flush(), one per chunk: the same 1,000-row transactions, without a setTimeout(0) per chunk.
 */
async function flightrecCommit(events: readonly CriticEvent[], file: string): Promise<void> {
  const recorder = await Recorder.open(file);
  const run = await recorder.startRun({ id: RUN_ID, durability: 'commit', batchSize: Number.MAX_SAFE_INTEGER });
  for (let from = 0; from < events.length; from += TX_SIZE) {
    const chunk: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(events.length, from + TX_SIZE); i++) chunk.push(run.emit(events[i]));
    await run.flush();
    await Promise.all(chunk);
  }
  await run.close();
  await recorder.close();
}

/**
 * The practical limit: one prepared INSERT into a minimal table, TX_SIZE-row transactions, WAL,
 * synchronous=NORMAL. The payload is built per event as a real minimal recorder must: a u16
 * header length, a small JSON header naming each tensor's dtype and shape, then the raw bytes.
 */
function rawPayload(e: CriticEvent): Buffer {
  const s = e.payload.states;
  const v = e.payload.values;
  const header = Buffer.from(JSON.stringify({ states: [s.dtype, s.shape], values: [v.dtype, v.shape] }));
  const out = Buffer.allocUnsafe(2 + header.length + s.data.byteLength + v.data.byteLength);
  out.writeUInt16LE(header.length, 0);
  header.copy(out, 2);
  let at = 2 + header.length;
  out.set(new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength), at);
  at += s.data.byteLength;
  out.set(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength), at);
  return out;
}

async function rawSqlite(events: readonly CriticEvent[], file: string): Promise<void> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table events (run TEXT, seq INT, type TEXT, t INT, episode INT, step INT, decision INT, component TEXT, version TEXT, payload BLOB)');
  const insert = db.prepare('insert into events (run, seq, type, t, episode, step, decision, component, version, payload) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const e = events[i]!;
      insert.run(RUN_ID, i, e.type, Date.now(), e.episode, e.step, e.decision, e.component, e.version, rawPayload(e));
    }
  });
  for (let from = 0; from < events.length; from += TX_SIZE) write(from, Math.min(events.length, from + TX_SIZE));
  db.close();
}

/**
 * The same raw loop into flightrec's own `events` table (created by SqliteEventStore.open), with
 * payload bytes precomputed by flightrec's codec and a dummy 32-byte hash: what flightrec's schema
 * and indexes cost, without its validation, encoding, hashing and batching.
 */
async function rawOnFlightrecSchema(fixture: Fixture, file: string): Promise<void> {
  const { events, payloadBytes, payloadAt } = fixture;
  const dummyHash = new Uint8Array(32).fill(7);
  const store = await SqliteEventStore.open(file);
  const { pk } = await store.createRun({ id: RUN_ID, name: null, env: null, backend: null, sourceRun: null });
  const insert = store.sqlite.prepare(
    'insert into events (run_pk, seq, id, type, v, t, episode, step, decision, component, version, parent, payload, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const write = store.sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const e = events[i]!;
      insert.run(pk, i, null, e.type, 1, Date.now(), e.episode, e.step, e.decision, e.component, e.version, null, payloadBytes.subarray(payloadAt[i], payloadAt[i + 1]), dummyHash);
    }
  });
  for (let from = 0; from < events.length; from += TX_SIZE) write(from, Math.min(events.length, from + TX_SIZE));
  await store.close();
}

/** JSON lines (tensors as number arrays), TX_SIZE lines per write(2). */
async function jsonl(events: readonly CriticEvent[], file: string): Promise<void> {
  const fd = openSync(file, 'w');
  try {
    for (let from = 0; from < events.length; from += TX_SIZE) {
      let chunk = '';
      for (let i = from; i < Math.min(events.length, from + TX_SIZE); i++) {
        const e = events[i]!;
        const s = e.payload.states;
        const v = e.payload.values;
        chunk += `${JSON.stringify({
          run: RUN_ID,
          seq: i,
          type: e.type,
          t: Date.now(),
          episode: e.episode,
          step: e.step,
          decision: e.decision,
          component: e.component,
          version: e.version,
          payload: { states: { dtype: s.dtype, shape: s.shape, data: Array.from(s.data) }, values: { dtype: v.dtype, shape: v.shape, data: Array.from(v.data) } },
        })}\n`;
      }
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Stage micro-measurements: flightrec's per-event work, one stage at a time over all events.

type StageName = 'parse' | 'encode' | 'envelope' | 'sha256' | 'chain_hash' | 'prepare' | 'store_append';

function encodeLikePrepare(payload: unknown): Uint8Array {
  return encodeValue(payload, { blobThreshold: DEFAULT_BLOB_THRESHOLD, putBlob: () => undefined });
}

/** One stage's cost per event: main-thread CPU time where the OS reports it, wall time as well. */
interface StageCost {
  cpuUs: number;
  wallUs: number;
}

/** Runs `body(i)` for i in [0, n) and returns its cost per iteration. */
function timeStage(n: number, body: (i: number) => void): StageCost {
  collectGarbage();
  const c0 = threadCpuMs();
  const t0 = now();
  for (let i = 0; i < n; i++) body(i);
  const wallUs = ((now() - t0) * 1000) / n;
  return { cpuUs: ((threadCpuMs() - c0) * 1000) / n, wallUs };
}

/**
 * Times each of flightrec's per-event stages alone, each in its own pass of N iterations.
 * Validation runs over all N events; the later stages cycle over one block of TX_SIZE events
 * prepared beforehand (the work per event does not depend on the values), so no pass retains
 * N intermediate results and the heap stays as small as the recorder's own. The store stage
 * appends blocks of prepared rows (copies of one block given each event's seq, episode, step and
 * decision, ~0.1 µs/row: the index keys must grow as they do when recording, or every index
 * insert lands mid-tree and costs twice as much)
 * with `appendBatch` (head check, inserts, head update) to a fresh store, close included.
 * Costs are main-thread CPU time (GC pauses of the pass included), so that other processes on
 * the machine barely move them; wall time is kept as well.
 */
async function measureStages(f: Fixture, file: string): Promise<Record<StageName, StageCost>> {
  const n = f.events.length;
  const b = Math.min(n, TX_SIZE);
  const ring: unknown[] = new Array(b);
  const parsed = f.events.slice(0, b).map((e) => parseEventInput(e));
  const stamp = Date.now();
  const envelopes: ChainedEnvelope[] = parsed.map((p, j) => ({ run: RUN_ID, seq: j, id: null, type: p.type, v: 1, t: stamp, episode: p.episode ?? null, step: p.step ?? null, decision: p.decision ?? null, component: p.component ?? null, version: p.version ?? null, parent: null }));
  const payloads = parsed.map((p) => encodeLikePrepare(p.payload));
  const hashInputs = envelopes.map((e, j) => Buffer.concat([GENESIS_HASH, envelopeBytes(e), payloads[j]!]));
  const blobs = new Map<string, Uint8Array>();
  let previous: Uint8Array<ArrayBufferLike> = GENESIS_HASH;
  const template: PreparedEvent[] = parsed.map((p, j) => {
    const row = prepareEvent(p, RUN_ID, j, previous, blobs);
    previous = row.hash;
    return row;
  });

  // The recorder keeps rows in a per-run arena; so does this stage.
  const arena = new RowArena();
  const parse = timeStage(n, (i) => void (ring[i % b] = parseEventInput(f.events[i])));
  const encode = timeStage(n, (i) => void (ring[i % b] = encodeLikePrepare(parsed[i % b]!.payload)));
  const envelope = timeStage(n, (i) => void (ring[i % b] = envelopeBytes(envelopes[i % b]!)));
  const sha256 = timeStage(n, (i) => void (ring[i % b] = hash('sha256', hashInputs[i % b]!, 'buffer')));
  let chained: Uint8Array<ArrayBufferLike> = GENESIS_HASH;
  const chain = timeStage(n, (i) => void (ring[i % b] = chained = chainHash(chained, envelopes[i % b]!, payloads[i % b]!)));
  previous = GENESIS_HASH;
  const prepare = timeStage(n, (i) => {
    const row = prepareEvent(parsed[i % b]!, RUN_ID, i, previous, blobs, DEFAULT_BLOB_THRESHOLD, undefined, arena);
    ring[i % b] = row;
    previous = row.hash;
  });
  ring.fill(undefined);

  const store = await SqliteEventStore.open(file);
  const { pk } = await store.createRun({ id: RUN_ID, name: null, env: null, backend: null, sourceRun: null });
  const noBlobs = new Map<string, Uint8Array>();
  collectGarbage();
  const c0 = threadCpuMs();
  const t0 = now();
  for (let from = 0; from < n; from += b) {
    const rows = template.slice(0, Math.min(b, n - from)).map((r, j) => {
      const e = f.events[from + j]!;
      return { ...r, seq: from + j, episode: e.episode ?? null, step: e.step ?? null, decision: e.decision ?? null };
    });
    store.appendBatch({ pk, id: RUN_ID }, from - 1, rows, noBlobs);
  }
  await store.close();
  const storeAppend = { cpuUs: ((threadCpuMs() - c0) * 1000) / n, wallUs: ((now() - t0) * 1000) / n };
  removeDatabase(file);
  return { parse, encode, envelope, sha256, chain_hash: chain, prepare, store_append: storeAppend };
}

// ---------------------------------------------------------------------------------------------

type VariantName = 'flightrec' | 'flightrec_inline' | 'flightrec_commit' | 'raw' | 'raw_schema' | 'jsonl';

const LABELS: Record<VariantName, string> = {
  flightrec: 'flightrec Recorder (durability batch)',
  flightrec_inline: "flightrec Recorder, writer 'inline'",
  flightrec_commit: "flightrec Recorder (durability 'commit')",
  raw: 'raw better-sqlite3, minimal table',
  raw_schema: 'raw INSERT into flightrec events schema',
  jsonl: 'JSONL append (writeSync per 1,000)',
};

const STAGE_LABELS: Record<StageName, string> = {
  parse: 'validation (parseEventInput: compiled check, zod fallback)',
  encode: 'payload encode (encodeValue)',
  envelope: '  envelope bytes (envelopeBytes)',
  sha256: '  sha256 of concatenated bytes',
  chain_hash: 'chain hash (chainHash = envelope+concat+sha256)',
  prepare: 'prepareEvent (encode + envelope + hash)',
  store_append: 'store.appendBatch of prepared rows (+close)',
};

export const recordBenchmark: Benchmark = {
  name: 'record',
  description: 'recording throughput and bytes/event against raw better-sqlite3 and JSONL',
  async run(args: BenchArgs): Promise<Record<string, unknown>> {
    const n = intFlag(args, 'events', 200_000);
    const rounds = intFlag(args, 'rounds', 5);
    const withCommit = !boolFlag(args, 'no-commit');
    const log = args.log;
    const tmp = tempDir('flightrec-bench-record');
    trackGc();
    const loadBefore = loadavg()[0]!;
    try {
      const tGen = now();
      const fixture = makeFixture(n);
      const m = machine();
      log(`record: ${int(n)} critic.evaluated events (float32[1,32] + float32[1]), ${rounds} rounds after a warm-up, medians`);
      log(`machine: ${m.cpus} × ${m.cpu}, node ${m.node}, tmp ${tmp.dir} (fixture built in ${fixed((now() - tGen) / 1000, 1)} s)`);

      const variants: VariantName[] = ['flightrec', 'flightrec_inline', 'raw', 'raw_schema', 'jsonl', ...(withCommit ? (['flightrec_commit'] as const) : [])];
      const write = (v: VariantName, events: readonly CriticEvent[], file: string): Promise<void> => {
        switch (v) {
          case 'flightrec':
            return flightrecBatch(events, file);
          case 'flightrec_inline':
            return flightrecBatch(events, file, 'inline');
          case 'flightrec_commit':
            return flightrecCommit(events, file);
          case 'raw':
            return rawSqlite(events, file);
          case 'raw_schema':
            return rawOnFlightrecSchema(events === fixture.events ? fixture : sliceFixture(fixture, events.length), file);
          case 'jsonl':
            return jsonl(events, file);
        }
      };
      const runVariant = (v: VariantName, events: readonly CriticEvent[], file: string): Promise<Measured> =>
        measure(file, v === 'jsonl' ? 'file' : 'sqlite', () => write(v, events, file));

      // Warm-up: every variant and every stage once, on a slice of the events.
      const warm = fixture.events.slice(0, Math.min(n, 20_000));
      for (const v of variants) {
        const file = tmp.file(`warm-${v}.db`);
        await runVariant(v, warm, file);
        removeDatabase(file);
      }
      await measureStages(sliceFixture(fixture, warm.length), tmp.file('warm-stages.db'));

      const results = Object.fromEntries(variants.map((v) => [v, [] as Measured[]])) as Record<VariantName, Measured[]>;
      const stageRuns: Record<StageName, StageCost>[] = [];
      let flightrecObjects: { name: string; bytes: number }[] = [];
      const order: (VariantName | 'stages')[] = [...variants, 'stages'];
      for (let r = 0; r < rounds; r++) {
        // Rotate by round and reverse every other round, so no variant always runs first or after the same one.
        const rotated = order.map((_, i) => order[(i + r) % order.length]!);
        const thisRound = r % 2 === 1 ? rotated.reverse() : rotated;
        log(`round ${r + 1}/${rounds}: ${thisRound.join(' → ')}`);
        for (const v of thisRound) {
          collectGarbage();
          if (v === 'stages') {
            stageRuns.push(await measureStages(fixture, tmp.file(`stages-${r}.db`)));
            continue;
          }
          const file = tmp.file(`${v}-${r}.${v === 'jsonl' ? 'jsonl' : 'db'}`);
          const m = await runVariant(v, fixture.events, file);
          results[v].push(m);
          if (v === 'flightrec' && r === 0) flightrecObjects = sqliteObjectBytes(file);
          removeDatabase(file);
        }
      }

      const eps = (v: VariantName) => median(results[v].map((x) => (n / x.ms) * 1000));
      const cpuEps = (v: VariantName) => median(results[v].map((x) => (n / x.cpuMs) * 1000));
      const bestEps = (v: VariantName) => Math.max(...results[v].map((x) => (n / x.ms) * 1000));
      const threadUs = (v: VariantName) => median(results[v].map((x) => (x.threadMs * 1000) / n));
      const gcUs = (v: VariantName) => median(results[v].map((x) => (x.gcMs * 1000) / n));
      const bpe = (v: VariantName) => median(results[v].map((x) => x.bytes / n));
      // Stages in main-thread CPU time where available (compared with flightrec's main-thread CPU), else wall time.
      const cpuStages = stageRuns.every((r) => Object.values(r).every((c) => Number.isFinite(c.cpuUs)));
      const stage = Object.fromEntries((Object.keys(STAGE_LABELS) as StageName[]).map((s) => [s, median(stageRuns.map((x) => (cpuStages ? x[s].cpuUs : x[s].wallUs)))])) as Record<StageName, number>;
      const stageWall = Object.fromEntries((Object.keys(STAGE_LABELS) as StageName[]).map((s) => [s, median(stageRuns.map((x) => x[s].wallUs))])) as Record<StageName, number>;
      const fr = eps('flightrec');
      const raw = eps('raw');
      const ratio = fr / raw;
      const cpuRatio = cpuEps('flightrec') / cpuEps('raw');
      const threadRatio = threadUs('raw') / threadUs('flightrec');
      const bestRatio = bestEps('flightrec') / bestEps('raw');
      const bytesRatio = bpe('flightrec') / bpe('raw');
      const frUs = cpuStages ? threadUs('flightrec') : 1e6 / fr;
      const rest = frUs - stage.parse - stage.prepare - stage.store_append;

      log('');
      const rows = variants.map((v) => [LABELS[v], int(eps(v)), fixed(1e6 / eps(v), 2), fixed(1e6 / cpuEps(v), 2), fixed(threadUs(v), 2), fixed(gcUs(v), 2), int(bestEps(v)), fixed(bpe(v), 1), fixed(eps(v) / raw, 2), fixed(bpe(v) / bpe('raw'), 2)]);
      for (const line of table(['variant', 'events/s', 'µs/event', 'CPU µs/event', 'main thread', 'GC pauses', 'best events/s', 'bytes/event', 'speed vs raw', 'bytes vs raw'], rows)) log(line);
      log('(events/s, µs/event: median wall time over rounds; CPU µs/event: process CPU time, all threads; main thread: its CPU time alone;');
      log(' GC pauses: main-thread GC pause time, µs/event; best: fastest round. All figures are medians over rounds.)');
      const loadAfter = loadavg()[0]!;
      log(`load average (1 min) before/after: ${fixed(loadBefore, 2)} / ${fixed(loadAfter, 2)} on ${m.cpus} cores${Math.max(loadBefore, loadAfter) > m.cpus * 0.75 ? ' — the machine was busy: wall-time figures are noisy, compare CPU times' : ''}`);
      log('');
      const stageRows = (Object.keys(STAGE_LABELS) as StageName[]).map((s) => [STAGE_LABELS[s], fixed(stage[s], 3), `${fixed((stage[s] / frUs) * 100, 0)}%`]);
      stageRows.push(['remainder: recorder (queues, rows, refs), GC (total − parse − prepare − store)', fixed(rest, 3), `${fixed((rest / frUs) * 100, 0)}%`]);
      stageRows.push([`flightrec total (${cpuStages ? 'main-thread CPU' : 'wall time'}, from the table above)`, fixed(frUs, 3), '100%']);
      for (const line of table([`flightrec stage, measured alone (${cpuStages ? 'main-thread CPU' : 'wall time'})`, 'µs/event', 'of total'], stageRows)) log(line);
      log('');
      log(`flightrec schema vs minimal table (raw loops): ${fixed(1e6 / eps('raw_schema') - 1e6 / raw, 2)} µs/event and ${fixed(bpe('raw_schema') - bpe('raw'), 1)} bytes/event more`);
      if (flightrecObjects.length > 0) {
        log(`flightrec bytes/event by table/index: ${flightrecObjects.filter((o) => o.bytes / n >= 0.5).map((o) => `${o.name} ${fixed(o.bytes / n, 1)}`).join(', ')}`);
      }
      const ratioMet = ratio >= TARGET_RATIO_VS_RAW;
      const bytesMet = bytesRatio <= TARGET_BYTES_RATIO;
      log(`target ratio_vs_raw ≥ ${TARGET_RATIO_VS_RAW}: ${fixed(ratio, 3)} (by process CPU time: ${fixed(cpuRatio, 3)}, main-thread CPU: ${fixed(threadRatio, 3)}, best rounds: ${fixed(bestRatio, 3)}) → ${ratioMet ? 'MET' : 'NOT MET'}`);
      log(`target bytes_per_event ≤ ${TARGET_BYTES_RATIO}× raw: ${fixed(bytesRatio, 3)}× (${fixed(bpe('flightrec'), 1)} vs ${fixed(bpe('raw'), 1)}) → ${bytesMet ? 'MET' : 'NOT MET'}`);

      const perRound = Object.fromEntries(variants.map((v) => [v, results[v].map((x) => Math.round((n / x.ms) * 1000))]));
      return {
        events: n,
        rounds,
        machine: m,
        events_per_s: Math.round(fr),
        raw_events_per_s: Math.round(raw),
        ratio_vs_raw: round(ratio),
        cpu_events_per_s: Math.round(cpuEps('flightrec')),
        cpu_raw_events_per_s: Math.round(cpuEps('raw')),
        cpu_ratio_vs_raw: round(cpuRatio),
        main_thread_cpu_ratio_vs_raw: round(threadRatio),
        best_events_per_s: Math.round(bestEps('flightrec')),
        best_raw_events_per_s: Math.round(bestEps('raw')),
        best_ratio_vs_raw: round(bestRatio),
        bytes_per_event: round(bpe('flightrec'), 1),
        raw_bytes_per_event: round(bpe('raw'), 1),
        bytes_ratio_vs_raw: round(bytesRatio),
        raw_schema_events_per_s: Math.round(eps('raw_schema')),
        raw_schema_bytes_per_event: round(bpe('raw_schema'), 1),
        // The same recording with batches written on the recording thread (the writer thread's counterpart).
        inline_events_per_s: Math.round(eps('flightrec_inline')),
        inline_ratio_vs_raw: round(eps('flightrec_inline') / raw),
        jsonl_events_per_s: Math.round(eps('jsonl')),
        jsonl_bytes_per_event: round(bpe('jsonl'), 1),
        ...(withCommit ? { commit_events_per_s: Math.round(eps('flightrec_commit')), commit_bytes_per_event: round(bpe('flightrec_commit'), 1) } : {}),
        stages_us_per_event: { ...Object.fromEntries(Object.entries(stage).map(([k, v]) => [k, round(v)])), rest: round(rest), total: round(frUs), measure: cpuStages ? 'main-thread CPU' : 'wall' },
        stages_wall_us_per_event: Object.fromEntries(Object.entries(stageWall).map(([k, v]) => [k, round(v)])),
        flightrec_bytes_per_event_by_object: Object.fromEntries(flightrecObjects.filter((o) => o.bytes / n >= 0.05).map((o) => [o.name, round(o.bytes / n, 1)])),
        targets: {
          ratio_vs_raw: { target: TARGET_RATIO_VS_RAW, value: round(ratio), met: ratioMet },
          bytes_ratio_vs_raw: { target: TARGET_BYTES_RATIO, value: round(bytesRatio), met: bytesMet },
        },
        gc_us_per_event: Object.fromEntries(variants.map((v) => [v, round(gcUs(v))])),
        cpu_us_per_event: Object.fromEntries(variants.map((v) => [v, round(1e6 / cpuEps(v))])),
        main_thread_cpu_us_per_event: Object.fromEntries(variants.map((v) => [v, round(threadUs(v))])),
        load_avg: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
        events_per_s_by_round: perRound,
      };
    } finally {
      untrackGc();
      tmp.cleanup();
    }
  },
};
