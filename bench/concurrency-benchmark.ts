import { Recorder } from '../src/record/recorder.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { verifyChain } from '../src/store/verify-chain.js';
import { ackedCount, checkRunAgainstWriters, readConsistentPrefix, type WriterReport } from '../test/helpers/concurrent-check.js';
import { spawnHelper } from '../test/helpers/spawn-child.js';
import { integrityCheck } from '../test/helpers/temp-database.js';
import type { Benchmark } from './benchmark.js';
import { intFlag } from './benchmark.js';
import { fixed, int, machine, round, sqliteBytes, table, tempDir } from './bench-util.js';

/**
 * Several processes appending to one database file for a fixed time, in 'commit' durability
 * (test/helpers/concurrent-writer-child.ts): most on their own runs, some on one shared run (where
 * each refused writer resumes from the new head), while this process replays every run in a loop.
 * Reports events/s in total and every failure: an acknowledged event lost or stored twice, an
 * event stored that no writer had acknowledged, a gap, a chain that does not verify, an error other
 * than RUN_HAS_ANOTHER_WRITER reaching a writer, a read that was not a consistent prefix.
 */
export const concurrencyBenchmark: Benchmark = {
  name: 'concurrency',
  description: 'N processes appending to one SQLite file for S seconds (some to one shared run): events/s and failures',
  async run(args) {
    const writers = intFlag(args, 'writers', 8);
    const shared = Math.min(writers, intFlag(args, 'shared', 3));
    const seconds = intFlag(args, 'seconds', 60);
    const group = intFlag(args, 'group', 12);
    const dir = tempDir('flightrec-concurrency');
    const file = dir.file('concurrency.db');
    try {
      const rec = await Recorder.open(file);
      await (await rec.startRun({ id: 'shared' })).flush();
      await rec.store.close();

      const startAt = Date.now() + 3000;
      const deadline = startAt + seconds * 1000;
      const own = writers - shared;
      const children = [
        ...Array.from({ length: own }, (_, i) => spawnHelper('concurrent-writer-child.js', ['own', file, `own-${i}`, `own-${i}`, String(startAt), String(deadline), String(i + 1), String(group)])),
        ...Array.from({ length: shared }, (_, i) => spawnHelper('concurrent-writer-child.js', ['shared', file, 'shared', `s${i}`, String(startAt), String(deadline), String(100 + i), String(group)])),
      ];
      args.log(`${writers} writers (${own} on their own runs, ${shared} on one shared run) for ${seconds} s, 'commit' durability, groups of 1..${group} events per transaction`);
      let running = children.length;
      for (const c of children) void c.exited.then(() => running--);

      // A reader replaying every run while the writers write.
      const runs = ['shared', ...Array.from({ length: own }, (_, i) => `own-${i}`)];
      const reader = await SqliteEventStore.open(file);
      const problems: string[] = [];
      let reads = 0;
      let eventsRead = 0;
      try {
        while (running > 0) {
          for (const run of runs) {
            if ((await reader.findRun(run)) === undefined) continue;
            const r = await readConsistentPrefix(reader, run);
            problems.push(...r.problems);
            const chain = await verifyChain(reader, run);
            if (!chain.ok) problems.push(`verify during the writes: ${run}: ${chain.problem}`);
            reads++;
            eventsRead += r.events;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await reader.close();
      }

      const reports: WriterReport[] = [];
      for (const [i, c] of children.entries()) {
        const { code, stderr } = await c.exited;
        if (code !== 0 || stderr !== '') problems.push(`writer ${i}: exit ${code}, stderr ${stderr.slice(0, 300)}`);
        const line = c.lines.find((l) => l.startsWith('{'));
        if (line === undefined) problems.push(`writer ${i} printed no report`);
        else reports.push(JSON.parse(line) as WriterReport);
      }
      const closer = await Recorder.open(file);
      await (await closer.resumeRun('shared')).close();
      await closer.close();
      const integrity = integrityCheck(file);
      if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
      const store = await SqliteEventStore.open(file);
      try {
        for (const run of runs) problems.push(...(await checkRunAgainstWriters(store, file, run, reports.filter((r) => r.run === run))));
      } finally {
        await store.close();
      }

      const total = reports.reduce((n, r) => n + ackedCount(r), 0);
      const refusals = reports.reduce((n, r) => n + r.refusals, 0);
      for (const line of table(
        ['writer', 'run', 'acknowledged', 'events/s', 'refused'],
        reports.map((r) => [r.writer, r.run, int(ackedCount(r)), int(ackedCount(r) / seconds), String(r.refusals)]),
      ))
        args.log(line);
      args.log(`total ${int(total)} events acknowledged in ${seconds} s: ${int(total / seconds)} events/s; ${refusals} refusals (RUN_HAS_ANOTHER_WRITER) on the shared run; ${reads} replays during the writes (${int(eventsRead)} events read); ${problems.length} failures`);
      for (const p of problems.slice(0, 20)) args.log(`FAILURE ${p}`);
      return {
        writers,
        shared_writers: shared,
        seconds,
        events: total,
        events_per_s: round(total / seconds, 1),
        refusals,
        replays: reads,
        events_read: eventsRead,
        failures: problems.length,
        db_bytes: sqliteBytes(file),
        machine: machine(),
        problems: problems.slice(0, 20),
        per_writer: reports.map((r) => ({ writer: r.writer, run: r.run, acknowledged: ackedCount(r), refusals: r.refusals })),
        note: `${fixed(total / seconds / writers, 0)} events/s per writer`,
      };
    } finally {
      dir.cleanup();
    }
  },
};
