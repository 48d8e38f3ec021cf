import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Recorder } from '../../src/record/recorder.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { ackedCount, checkRunAgainstWriters, readConsistentPrefix, type WriterReport } from '../helpers/concurrent-check.js';
import { spawnHelper, type ChildRun } from '../helpers/spawn-child.js';
import { integrityCheck, tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());

const OWN = 5;
const SHARED = 3;
const WRITE_MS = 8000;
const START_DELAY_MS = 200;

function reportOf(child: ChildRun, name: string): WriterReport {
  const line = child.lines.find((l) => l.startsWith('{'));
  assert.ok(line !== undefined, `${name} printed its report`);
  return JSON.parse(line) as WriterReport;
}

describe('8 processes appending to one database file', () => {
  it(`${OWN} writers on their own runs and ${SHARED} on one shared run for ${WRITE_MS / 1000} s, while a reader replays: nothing lost, duplicated or corrupted`, async (t) => {
    const file = tmp.file('eight.db');
    // The shared run exists before its writers resume it.
    const rec = await Recorder.open(file);
    await (await rec.startRun({ id: 'shared' })).flush();
    await rec.store.close(); // leaves 'shared' recording, as a crashed writer would

    // Writers start together once all of them are ready: on a loaded machine, starting 8 node processes can take longer than the writing itself.
    const schedule = tmp.file('schedule.txt');
    const children = [
      ...Array.from({ length: OWN }, (_, i) => ({ name: `own-${i}`, child: spawnHelper('concurrent-writer-child.js', ['own', file, `own-${i}`, `own-${i}`, `file:${schedule}`, '0', String(i + 1)]) })),
      ...Array.from({ length: SHARED }, (_, i) => ({ name: `shared-${i}`, child: spawnHelper('concurrent-writer-child.js', ['shared', file, 'shared', `s${i}`, `file:${schedule}`, '0', String(100 + i)]) })),
    ];
    await Promise.all(children.map((c) => c.child.waitForLine((l) => l === 'ready')));
    const startAt = Date.now() + START_DELAY_MS;
    writeFileSync(schedule, `${startAt} ${startAt + WRITE_MS}`);
    let running = children.length;
    for (const c of children) void c.child.exited.then(() => running--);

    // A reader replaying every run while the writers write: each read is a consistent, verifying prefix.
    const runs = ['shared', ...Array.from({ length: OWN }, (_, i) => `own-${i}`)];
    const reader = await SqliteEventStore.open(file);
    const readProblems: string[] = [];
    let reads = 0;
    let longestRead = 0;
    let liveVerifications = 0;
    try {
      while (running > 0) {
        for (const run of runs) {
          if ((await reader.findRun(run)) === undefined) continue;
          const r = await readConsistentPrefix(reader, run);
          readProblems.push(...r.problems);
          reads++;
          longestRead = Math.max(longestRead, r.events);
          // verify of a run that another process is still appending to checks the head it saw, not a moving target.
          const chain = await verifyChain(reader, run);
          if (!chain.ok) readProblems.push(`verify during the writes: ${run}: ${chain.problem}`);
          liveVerifications++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await reader.close();
    }
    assert.deepEqual(readProblems.slice(0, 10), [], 'every read during the writes saw a consistent prefix');
    // Two passes over every run while writers ran: enough to show concurrency, and within reach when other work loads the machine (a read-and-verify of a growing run can take seconds then).
    assert.ok(reads >= 2 * runs.length && longestRead > 100, `the reader really read during the writes (${reads} reads, longest ${longestRead} events)`);
    assert.ok(liveVerifications >= 20);

    const reports: WriterReport[] = [];
    for (const { name, child } of children) {
      const { code, stderr } = await child.exited;
      assert.equal(stderr, '', `${name}: nothing on stderr (no SQLITE_BUSY or other failure reached the caller)`);
      assert.equal(code, 0, `${name} exited 0`);
      reports.push(reportOf(child, name));
    }

    // End the shared run as its last writer would.
    const closer = await Recorder.open(file);
    await (await closer.resumeRun('shared')).close();
    await closer.close();

    assert.equal(integrityCheck(file), 'ok');
    const store = await SqliteEventStore.open(file);
    try {
      for (const run of runs) {
        const writers = reports.filter((r) => r.run === run);
        assert.deepEqual(await checkRunAgainstWriters(store, file, run, writers), [], `${run}: stored events are exactly the acknowledged ones`);
      }
    } finally {
      await store.close();
    }

    const own = reports.filter((r) => r.mode === 'own');
    for (const r of own) {
      assert.deepEqual(r.codes, [], `${r.writer} saw no error`);
      assert.ok(ackedCount(r) > 50 && r.ended, `${r.writer} recorded for the whole window (${ackedCount(r)} events)`);
    }
    // The shared run: every writer that lost a race got RUN_HAS_ANOTHER_WRITER and nothing else, and resumed.
    const shared = reports.filter((r) => r.mode === 'shared');
    const refusals = shared.reduce((n, r) => n + r.refusals, 0);
    assert.ok(refusals >= SHARED - 1, `writers of the shared run were refused (${refusals} refusals)`);
    for (const r of shared) {
      assert.deepEqual(r.codes, r.refusals > 0 ? ['RUN_HAS_ANOTHER_WRITER'] : [], `${r.writer}: exactly RUN_HAS_ANOTHER_WRITER when refused`);
      assert.equal(r.resumes, r.refusals);
    }
    const total = reports.reduce((n, r) => n + ackedCount(r), 0);
    t.diagnostic(`${total} events acknowledged in ${WRITE_MS / 1000} s (${Math.round(total / (WRITE_MS / 1000))}/s); shared run: ${shared.map((r) => `${r.writer} ${ackedCount(r)} acked, ${r.refusals} refused`).join('; ')}; ${reads} reads during the writes, longest ${longestRead} events`);
    assert.ok(shared.filter((r) => ackedCount(r) > 0).length >= 2, `several writers got events into the shared run: ${shared.map((r) => `${r.writer} ${ackedCount(r)}`).join(', ')}`);
  });

});
