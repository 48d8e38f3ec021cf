/**
 * `scale`: does recording slow down, and does looking a decision up stay fast, as the store grows?
 * The store is grown through the Recorder with the diff benchmark's synthetic decision-shaped
 * runs (17 events per decision, `--run-decisions` per run) until it holds `--events` events
 * (growth is timed, but only reported). Then, in alternating order for `--rounds` rounds, the same
 * probe run (`--probe-decisions`) is appended to a fresh empty store and to the grown one: the
 * ratio of the two append rates, measured side by side at the same machine load, is the figure.
 * Last, one whole decision by number through the public reader, on the first and the last run of
 * the grown store, and the file size.
 *
 * The issue asks for 10M events (`--events 10000000`; 100M takes a day on this machine): the
 * default is 2M, which takes a few minutes.
 */
import { loadavg } from 'node:os';
import { Recorder } from '../src/record/recorder.js';
import { readEvents } from '../src/store/event-reader.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { recordSyntheticRun } from './diff-benchmark.js';
import { intFlag, type BenchArgs, type Benchmark } from './benchmark.js';
import { fixed, int, machine, median, now, removeDatabase, round, sqliteBytes, table, tempDir } from './bench-util.js';

/** Targets from the issue. */
const TARGET_APPEND_RATIO = 0.9;
const TARGET_LOOKUP_MS = 1;

async function lookupMs(file: string, run: string, decisions: number, n: number): Promise<number> {
  const store = await SqliteEventStore.open(file);
  const ms: number[] = [];
  for await (const e of readEvents(store, run, { decision: 0 })) void e;
  for (let i = 0; i < n; i++) {
    const d = Math.floor(((i * 7919) % n) * (decisions / n));
    const t0 = now();
    let events = 0;
    for await (const e of readEvents(store, run, { decision: d })) {
      void e;
      events++;
    }
    ms.push(now() - t0);
    if (events === 0) throw new Error(`decision ${d} of ${run} has no events`);
  }
  await store.close();
  return median(ms);
}

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: 'a store grown to --events (2M; the issue: 10M): append rate at the end vs an empty store, decision lookup at the end, file size',
  async run(args: BenchArgs): Promise<Record<string, unknown>> {
    const target = intFlag(args, 'events', 2_000_000);
    const runDecisions = intFlag(args, 'run-decisions', 10_000);
    const probeDecisions = intFlag(args, 'probe-decisions', 1_000);
    const rounds = intFlag(args, 'rounds', 3);
    const log = args.log;
    const tmp = tempDir('flightrec-bench-scale');
    const big = tmp.file('scale.db');
    try {
      const m = machine();
      log(`scale: grow a store to ${int(target)} events in runs of ${int(runDecisions)} decisions × 17 events; machine ${m.cpus} × ${m.cpu}, node ${m.node}`);
      const loadStart = loadavg()[0]!;
      let events = 0;
      let runs = 0;
      const growth: { events: number; eventsPerS: number }[] = [];
      const g0 = now();
      while (events < target) {
        const t0 = now();
        const written = (await recordSyntheticRun(big, `grow-${runs}`, runDecisions)) + 1;
        const s = (now() - t0) / 1000;
        events += written;
        runs++;
        growth.push({ events, eventsPerS: written / s });
        if (runs % 10 === 0 || events >= target) log(`  ${int(events)} events in ${runs} runs, ${fixed((now() - g0) / 1000, 0)} s; last run ${int(Math.round(written / s))} events/s`);
      }
      const probes: { empty: number; grown: number }[] = [];
      let grownProbeEvents = 0;
      for (let r = 0; r < rounds; r++) {
        const rate = async (file: string): Promise<number> => {
          const t0 = now();
          const written = (await recordSyntheticRun(file, `probe-${r}`, probeDecisions)) + 1;
          const s = (now() - t0) / 1000;
          if (file === big) grownProbeEvents += written;
          return written / s;
        };
        // Created (and migrated) before the clock starts, as the grown store was: both probes open an existing file.
        const empty = tmp.file(`empty-${r}.db`);
        await (await Recorder.open(empty)).close();
        const p = r % 2 === 0 ? { empty: await rate(empty), grown: await rate(big) } : { grown: await rate(big), empty: await rate(empty) };
        removeDatabase(empty);
        probes.push(p);
        log(`round ${r + 1}/${rounds}: probe run into an empty store ${int(Math.round(p.empty))} events/s, into the grown store ${int(Math.round(p.grown))} events/s`);
      }
      const emptyRate = median(probes.map((p) => p.empty));
      const grownRate = median(probes.map((p) => p.grown));
      const ratio = median(probes.map((p) => p.grown / p.empty));
      const firstLookup = await lookupMs(big, 'grow-0', runDecisions, 200);
      const lastLookup = await lookupMs(big, `grow-${runs - 1}`, runDecisions, 200);
      const bytes = sqliteBytes(big);
      const stored = events + grownProbeEvents;
      const loadEnd = loadavg()[0]!;
      log('');
      for (const line of table(
        ['figure', 'value'],
        [
          ['events in the grown store (probes included)', int(stored)],
          ['append, empty store (events/s, median)', int(Math.round(emptyRate))],
          ['append, grown store (events/s, median)', int(Math.round(grownRate))],
          ['append ratio grown / empty (median of rounds)', fixed(ratio, 3)],
          ['decision lookup, first run (ms, median)', fixed(firstLookup, 3)],
          ['decision lookup, last run (ms, median)', fixed(lastLookup, 3)],
          ['file size (MB)', fixed(bytes / 2 ** 20, 1)],
          ['bytes per event', fixed(bytes / stored, 1)],
        ],
      )) log(line);
      log(`load average (1 min) at start/end: ${fixed(loadStart, 2)} / ${fixed(loadEnd, 2)} on ${m.cpus} cores`);
      log(`target append ratio ≥ ${TARGET_APPEND_RATIO}: ${fixed(ratio, 3)} → ${ratio >= TARGET_APPEND_RATIO ? 'MET' : 'NOT MET'}`);
      log(`target decision lookup ≤ ${TARGET_LOOKUP_MS} ms: ${fixed(lastLookup, 3)} → ${lastLookup <= TARGET_LOOKUP_MS ? 'MET' : 'NOT MET'}`);
      return {
        events,
        runs,
        machine: m,
        load_avg: [round(loadStart, 2), round(loadEnd, 2)],
        growth_seconds: round((now() - g0) / 1000, 1),
        append_events_per_s_empty: Math.round(emptyRate),
        append_events_per_s_end: Math.round(grownRate),
        append_ratio_end_vs_empty: round(ratio),
        decision_lookup_ms_first_run: round(firstLookup, 3),
        decision_lookup_ms_end: round(lastLookup, 3),
        file_bytes: bytes,
        bytes_per_event: round(bytes / stored, 1),
        events_with_probes: stored,
        targets: { append_ratio: { target: TARGET_APPEND_RATIO, met: ratio >= TARGET_APPEND_RATIO }, decision_lookup_ms: { target: TARGET_LOOKUP_MS, met: lastLookup <= TARGET_LOOKUP_MS } },
        growth_events_per_s: growth.filter((_, i) => i % Math.max(1, Math.floor(growth.length / 10)) === 0 || i === growth.length - 1).map((g) => ({ events: g.events, events_per_s: Math.round(g.eventsPerS) })),
        probes: probes.map((p) => ({ empty: Math.round(p.empty), grown: Math.round(p.grown) })),
      };
    } finally {
      tmp.cleanup();
    }
  },
};
