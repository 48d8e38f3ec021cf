/**
 * `read`: streaming a whole run through the public reader (`readEvents`, payloads decoded and
 * blobs fetched and checked) against the practical limit measured in the same process on the same
 * file: a raw better-sqlite3 scan of the run's rows in seq order, each payload decoded with the
 * same codec (blobs fetched raw, unchecked). Rounds alternate the order; medians are reported.
 * Memory: heap used after a full GC at each quarter of the reader's stream, so growth with the
 * run's length shows as a rising series. Then one whole decision fetched by number through the
 * reader (`readEvents(store, run, { decision })`), timed over many random decisions.
 *
 * The run is the diff benchmark's synthetic decision-shaped run (17 events per decision):
 * `--decisions 60000` gives 1,020,602 events. `--db=FILE` keeps it for the next run.
 * Flags: --decisions N, --rounds N (3), --lookups N (500), --db=FILE.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { decodeValue } from '../src/events/payload-codec.js';
import { readEvents } from '../src/store/event-reader.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { recordSyntheticRun } from './diff-benchmark.js';
import { intFlag, type BenchArgs, type Benchmark } from './benchmark.js';
import { collectGarbage, fixed, int, machine, median, now, removeDatabase, rawBlobReader, round, sqliteBytes, table, tempDir, threadCpuMs } from './bench-util.js';

const RUN = 'read-bench';
/** Targets from the issue. */
const TARGET_RATIO = 0.6;
const TARGET_LOOKUP_US = 100;

interface Pass {
  ms: number;
  cpuMs: number;
  events: number;
  /** Heap used (MB, after a full GC) at each quarter of the stream; reader pass only. */
  heapMb: number[];
}

/** The public reader, start to end. */
async function readerPass(file: string, total: number): Promise<Pass> {
  const store = await SqliteEventStore.open(file);
  const marks = [1, 2, 3, 4].map((q) => Math.floor((total * q) / 4) - 1);
  const heapMb: number[] = [];
  collectGarbage();
  const c0 = threadCpuMs();
  const t0 = now();
  let events = 0;
  let gcMs = 0;
  for await (const e of readEvents(store, RUN)) {
    if (e.seq < 0) throw new Error('unreachable');
    if (events === marks[heapMb.length]) {
      // The GC for the memory sample is not the reader's time: it is measured and taken out.
      const g0 = now();
      collectGarbage();
      heapMb.push(process.memoryUsage().heapUsed / 2 ** 20);
      gcMs += now() - g0;
    }
    events++;
  }
  const ms = now() - t0 - gcMs;
  const cpuMs = threadCpuMs() - c0 - gcMs;
  await store.close();
  return { ms, cpuMs, events, heapMb };
}

/** The limit: raw rows in seq order through better-sqlite3's iterator, payloads decoded by the same codec. */
function rawPass(file: string): Pass {
  const db = new Database(file, { readonly: true });
  const pk = db.prepare('select pk from runs where id = ?').pluck().get(RUN) as number;
  const rows = db.prepare('select seq, id, type, v, t, episode, step, decision, component, version, parent, payload, hash from events where run_pk = ? order by seq');
  const getBlob = rawBlobReader(db);
  collectGarbage();
  const c0 = threadCpuMs();
  const t0 = now();
  let events = 0;
  for (const r of rows.iterate(pk) as Iterable<{ seq: number; payload: Uint8Array }>) {
    const payload = decodeValue(r.payload, { getBlob });
    if (payload === undefined || r.seq < 0) throw new Error('unreachable');
    events++;
  }
  const ms = now() - t0;
  const cpuMs = threadCpuMs() - c0;
  db.close();
  return { ms, cpuMs, events, heapMb: [] };
}

/** One whole decision by number through the reader, for `n` decisions spread over the run: µs each. */
export async function lookups(file: string, decisions: number, n: number, run = RUN): Promise<{ medianUs: number; p90Us: number; eventsPerDecision: number }> {
  const store = await SqliteEventStore.open(file);
  const us: number[] = [];
  let events = 0;
  // Warm the statement cache and the pages of the index's root once.
  for await (const e of readEvents(store, run, { decision: 0 })) void e;
  for (let i = 0; i < n; i++) {
    const d = Math.floor(((i * 7919) % n) * (decisions / n));
    const t0 = now();
    for await (const e of readEvents(store, run, { decision: d })) {
      void e;
      events++;
    }
    us.push((now() - t0) * 1000);
  }
  await store.close();
  us.sort((a, b) => a - b);
  return { medianUs: median(us), p90Us: us[Math.floor(us.length * 0.9)]!, eventsPerDecision: events / n };
}

async function hasRun(file: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("select 1 from runs where id = ? and status = 'completed'").get(RUN) !== undefined;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

export const readBenchmark: Benchmark = {
  name: 'read',
  description: 'stream a 1M-event run through the public reader vs a raw better-sqlite3 scan with decoding; memory; one decision by number',
  async run(args: BenchArgs): Promise<Record<string, unknown>> {
    const decisions = intFlag(args, 'decisions', 60_000);
    const rounds = intFlag(args, 'rounds', 3);
    const n = intFlag(args, 'lookups', 500);
    const keep = typeof args.flags.db === 'string' ? args.flags.db : null;
    const log = args.log;
    const tmp = tempDir('flightrec-bench-read');
    const file = keep ?? tmp.file('read.db');
    try {
      const m = machine();
      log(`read: one run of ${int(decisions)} decisions × 17 events; machine ${m.cpus} × ${m.cpu}, node ${m.node}`);
      if (keep !== null && (await hasRun(file))) log(`reusing the run in ${file}`);
      else {
        if (keep !== null) removeDatabase(file);
        const t0 = now();
        const written = await recordSyntheticRun(file, RUN, decisions);
        log(`recorded ${int(written + 1)} events in ${fixed((now() - t0) / 1000, 1)} s (not measured)`);
      }
      const load0 = loadavg()[0]!;
      const reader: Pass[] = [];
      const raw: Pass[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? ['raw', 'reader'] : ['reader', 'raw'];
        for (const which of order) {
          if (which === 'raw') raw.push(rawPass(file));
          else reader.push(await readerPass(file, raw[0]?.events ?? reader[0]?.events ?? decisions * 17));
        }
        log(`round ${r + 1}/${rounds}: reader ${fixed(reader[r]!.ms / 1000, 2)} s, raw ${fixed(raw[r]!.ms / 1000, 2)} s`);
      }
      const events = raw[0]!.events;
      if (reader.some((p) => p.events !== events)) throw new Error(`the reader streamed ${reader.map((p) => p.events).join('/')} events, the raw scan ${events}`);
      const readerMs = median(reader.map((p) => p.ms));
      const rawMs = median(raw.map((p) => p.ms));
      const readerCpu = median(reader.map((p) => p.cpuMs));
      const rawCpu = median(raw.map((p) => p.cpuMs));
      const ratio = rawMs / readerMs;
      const cpuRatio = rawCpu / readerCpu;
      const heap = reader[reader.length - 1]!.heapMb;
      const look = await lookups(file, decisions, n);
      const load1 = loadavg()[0]!;
      log('');
      for (const line of table(
        ['variant', 'events/s', 'µs/event', 'main-thread CPU µs/event', 'vs raw'],
        [
          ['public reader (readEvents, decoded, blobs checked)', int(Math.round(events / (readerMs / 1000))), fixed((readerMs * 1000) / events, 2), fixed((readerCpu * 1000) / events, 2), fixed(ratio, 2)],
          ['raw better-sqlite3 iterate + codec decode', int(Math.round(events / (rawMs / 1000))), fixed((rawMs * 1000) / events, 2), fixed((rawCpu * 1000) / events, 2), '1.00'],
        ],
      )) log(line);
      log(`heap used after GC at 25/50/75/100% of the stream: ${heap.map((h) => fixed(h, 1)).join(' / ')} MB`);
      log(`one decision by number (${fixed(look.eventsPerDecision, 1)} events): median ${fixed(look.medianUs, 0)} µs, p90 ${fixed(look.p90Us, 0)} µs over ${n} decisions`);
      log(`load average (1 min) before/after: ${fixed(load0, 2)} / ${fixed(load1, 2)} on ${m.cpus} cores`);
      log(`target ratio_vs_raw ≥ ${TARGET_RATIO}: ${fixed(ratio, 3)} (main-thread CPU: ${fixed(cpuRatio, 3)}) → ${ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'}`);
      log(`goal decision lookup ≤ ${TARGET_LOOKUP_US} µs: ${fixed(look.medianUs, 0)} µs → ${look.medianUs <= TARGET_LOOKUP_US ? 'MET' : 'NOT MET'}`);
      return {
        events,
        decisions,
        rounds,
        machine: m,
        load_avg: [round(load0, 2), round(load1, 2)],
        file_bytes: sqliteBytes(file),
        reader_events_per_s: Math.round(events / (readerMs / 1000)),
        raw_events_per_s: Math.round(events / (rawMs / 1000)),
        ratio_vs_raw: round(ratio),
        cpu_ratio_vs_raw: round(cpuRatio),
        heap_mb_by_quarter: heap.map((h) => round(h, 1)),
        memory_flat: heap[heap.length - 1]! <= heap[0]! * 1.25 + 8,
        decision_lookup_us: round(look.medianUs, 1),
        decision_lookup_p90_us: round(look.p90Us, 1),
        events_per_decision: round(look.eventsPerDecision, 1),
        targets: { ratio_vs_raw: { target: TARGET_RATIO, met: ratio >= TARGET_RATIO }, decision_lookup_us: { goal: TARGET_LOOKUP_US, met: look.medianUs <= TARGET_LOOKUP_US } },
        reader_ms_by_round: reader.map((p) => round(p.ms, 0)),
        raw_ms_by_round: raw.map((p) => round(p.ms, 0)),
      };
    } finally {
      tmp.cleanup();
    }
  },
};
