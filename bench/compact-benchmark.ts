/**
 * `compact`: the demo's run stored row by row against the same run compacted into segments
 * (`flightrec compact`), on copies of one file. Reports the files' bytes per decision, the time
 * compaction takes, and what reading costs on each: the whole run through the public reader
 * (payloads decoded, blobs checked), `verify` of the chain, and one decision by number. Rounds
 * alternate the order; medians are reported, and each ratio is compacted over rows from the same
 * process.
 *
 * Flags: --episodes N (150, the demo's), --seed N (1), --rounds N (3), --lookups N (300),
 * --segment-events N (events per segment, default compact-run.ts's SEGMENT_EVENTS).
 */
import { copyFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { recordReferenceTraining } from '../src/harness/reference-training.js';
import { compactRun, SEGMENT_EVENTS } from '../src/store/compact-run.js';
import { readEvents } from '../src/store/event-reader.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { verifyChain } from '../src/store/verify-chain.js';
import { intFlag, type BenchArgs, type Benchmark } from './benchmark.js';
import { collectGarbage, fixed, int, machine, median, now, round, sqliteBytes, table, tempDir } from './bench-util.js';
import { lookups } from './read-benchmark.js';

/** The target for the demo's file. */
const TARGET_BYTES_PER_DECISION = 4000;

interface Pass {
  readMs: number;
  verifyMs: number;
}

async function pass(file: string, run: string, events: number): Promise<Pass> {
  const store = await SqliteEventStore.open(file, { readonly: true });
  try {
    collectGarbage();
    let t0 = now();
    let n = 0;
    for await (const e of readEvents(store, run)) if (e.seq >= 0) n++;
    const readMs = now() - t0;
    if (n !== events) throw new Error(`read ${n} events of ${events}`);
    collectGarbage();
    t0 = now();
    const v = await verifyChain(store, run);
    const verifyMs = now() - t0;
    if (!v.ok) throw new Error(`${file} does not verify: ${v.problem}`);
    return { readMs, verifyMs };
  } finally {
    await store.close();
  }
}

export const compactBenchmark: Benchmark = {
  name: 'compact',
  description: "the demo's run row by row vs compacted into segments: bytes per decision, compaction time, reading, verify and one decision by number",
  async run(args: BenchArgs): Promise<Record<string, unknown>> {
    const episodes = intFlag(args, 'episodes', 150);
    const seed = intFlag(args, 'seed', 1);
    const rounds = intFlag(args, 'rounds', 3);
    const n = intFlag(args, 'lookups', 300);
    const segmentEvents = intFlag(args, 'segment-events', SEGMENT_EVENTS);
    const log = args.log;
    const tmp = tempDir('flightrec-bench-compact');
    try {
      const m = machine();
      log(`compact: the gridworld reference agent, ${episodes} episodes, seed ${seed}; machine ${m.cpus} × ${m.cpu}, node ${m.node}`);
      const rows = tmp.file('rows.db');
      const compacted = tmp.file('compacted.db');
      let t0 = now();
      const recorded = await recordReferenceTraining({ db: rows, env: 'gridworld', episodes, seed });
      log(`recorded ${int(recorded.events)} events, ${int(recorded.decisions)} decisions in ${fixed((now() - t0) / 1000, 1)} s (not measured)`);
      const rowBytes = sqliteBytes(rows);
      copyFileSync(rows, compacted);
      const store = await SqliteEventStore.open(compacted, { mustExist: true });
      t0 = now();
      const c = await compactRun(store, recorded.run, { segmentEvents });
      const compactMs = now() - t0;
      await store.close();
      const compactedBytes = sqliteBytes(compacted);
      const load0 = loadavg()[0]!;
      const a: Pass[] = [];
      const b: Pass[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const which of r % 2 === 0 ? ['rows', 'compacted'] : ['compacted', 'rows']) {
          if (which === 'rows') a.push(await pass(rows, recorded.run, recorded.events));
          else b.push(await pass(compacted, recorded.run, recorded.events));
        }
        log(`round ${r + 1}/${rounds}: read ${fixed(a[r]!.readMs, 0)} / ${fixed(b[r]!.readMs, 0)} ms, verify ${fixed(a[r]!.verifyMs, 0)} / ${fixed(b[r]!.verifyMs, 0)} ms (rows / compacted)`);
      }
      const lookRows = await lookups(rows, recorded.decisions, n, recorded.run);
      const lookCompacted = await lookups(compacted, recorded.decisions, n, recorded.run);
      const load1 = loadavg()[0]!;
      const readRows = median(a.map((p) => p.readMs));
      const readCompacted = median(b.map((p) => p.readMs));
      const verifyRows = median(a.map((p) => p.verifyMs));
      const verifyCompacted = median(b.map((p) => p.verifyMs));
      const perDecision = (bytes: number) => bytes / recorded.decisions;
      log('');
      for (const line of table(
        ['', 'rows', 'compacted', 'compacted / rows'],
        [
          ['file bytes', int(rowBytes), int(compactedBytes), fixed(compactedBytes / rowBytes, 3)],
          ['bytes per decision', int(Math.round(perDecision(rowBytes))), int(Math.round(perDecision(compactedBytes))), fixed(compactedBytes / rowBytes, 3)],
          ['whole run, public reader (ms)', fixed(readRows, 0), fixed(readCompacted, 0), fixed(readCompacted / readRows, 3)],
          ['verify (ms)', fixed(verifyRows, 0), fixed(verifyCompacted, 0), fixed(verifyCompacted / verifyRows, 3)],
          ['one decision by number, median (µs)', fixed(lookRows.medianUs, 0), fixed(lookCompacted.medianUs, 0), fixed(lookCompacted.medianUs / lookRows.medianUs, 3)],
        ],
      )) log(line);
      log(`compaction: ${int(c.events)} events into ${int(c.segments)} segments of up to ${segmentEvents} in ${fixed(compactMs, 0)} ms (${fixed((compactMs * 1000) / c.events, 1)} µs per event)`);
      log(`load average (1 min) before/after: ${fixed(load0, 2)} / ${fixed(load1, 2)} on ${m.cpus} cores`);
      const met = perDecision(compactedBytes) <= TARGET_BYTES_PER_DECISION;
      log(`target ≤ ${TARGET_BYTES_PER_DECISION} bytes per decision: ${int(Math.round(perDecision(compactedBytes)))} compacted (${int(Math.round(perDecision(rowBytes)))} row by row) → ${met ? 'MET' : 'NOT MET'}`);
      return {
        episodes,
        seed,
        rounds,
        machine: m,
        load_avg: [round(load0, 2), round(load1, 2)],
        events: recorded.events,
        decisions: recorded.decisions,
        segments: c.segments,
        segment_events: segmentEvents,
        rows_file_bytes: rowBytes,
        compacted_file_bytes: compactedBytes,
        rows_bytes_per_decision: Math.round(perDecision(rowBytes)),
        compacted_bytes_per_decision: Math.round(perDecision(compactedBytes)),
        compacted_bytes_ratio: round(compactedBytes / rowBytes),
        compact_ms: round(compactMs, 0),
        compact_us_per_event: round((compactMs * 1000) / c.events, 2),
        read_ms_rows: round(readRows, 0),
        read_ms_compacted: round(readCompacted, 0),
        read_ratio: round(readCompacted / readRows),
        verify_ms_rows: round(verifyRows, 0),
        verify_ms_compacted: round(verifyCompacted, 0),
        verify_ratio: round(verifyCompacted / verifyRows),
        decision_lookup_us_rows: round(lookRows.medianUs, 1),
        decision_lookup_us_compacted: round(lookCompacted.medianUs, 1),
        targets: { bytes_per_decision: { target: TARGET_BYTES_PER_DECISION, met } },
      };
    } finally {
      tmp.cleanup();
    }
  },
};
