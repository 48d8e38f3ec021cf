import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Recorder } from '../../src/record/recorder.js';
import { readEvents } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { prng } from '../helpers/sample-run.js';
import { annotation } from '../helpers/sample-events.js';
import { sleep, spawnHelper } from '../helpers/spawn-child.js';
import { integrityCheck, range, runRow, storedSeqs, tempDir } from '../helpers/temp-database.js';

const KILLS_PER_MODE = 10;
const BATCH = 50;
const tmp = tempDir();
after(() => tmp.cleanup());

async function verified(file: string, run: string): Promise<{ ok: boolean; problem: string | null; events: number }> {
  const store = await SqliteEventStore.open(file);
  try {
    return await verifyChain(store, run);
  } finally {
    await store.close();
  }
}

/** After a crash: a new run records into the same file, and the crashed run resumes with a verifying chain. */
async function recordAfterCrash(file: string, crashed: string, crashedEvents: number): Promise<void> {
  const rec = await Recorder.open(file);
  const resumed = await rec.resumeRun(crashed);
  assert.equal(resumed.seq, crashedEvents, 'resume continues after the last stored event');
  for (let i = 0; i < 5; i++) resumed.append(annotation(i));
  const fresh = await rec.startRun({ id: `${crashed}-after` });
  fresh.append(annotation(1));
  await rec.close();
  assert.deepEqual(storedSeqs(file, crashed), range(crashedEvents + 6));
  assert.equal(runRow(file, crashed)!.status, 'completed');
  for (const run of [crashed, `${crashed}-after`]) {
    const report = await verified(file, run);
    assert.ok(report.ok, `${run}: ${report.problem}`);
  }
}

describe('SIGKILL at random moments', () => {
  for (const mode of ['commit', 'batch'] as const) {
    it(`'${mode}' mode: ${KILLS_PER_MODE} kills leave an intact database, a verifying gapless chain${mode === 'commit' ? ' and every acknowledged event' : ' and whole batches only'}`, async () => {
      const file = tmp.file(`kill-${mode}.db`);
      const rand = prng(mode === 'commit' ? 11 : 12);
      const counts: number[] = [];
      for (let k = 0; k < KILLS_PER_MODE; k++) {
        const run = `${mode}-${k}`;
        const child = spawnHelper('recording-child.js', [mode, file, run, '1000000', String(BATCH)]);
        await child.waitForLine((l) => l === 'ready');
        // Timed from the first committed event after run.started, not from "ready": on a loaded machine the child may not have written anything 600 ms after it.
        await child.waitForLine((l) => (mode === 'commit' ? /^\d+$/.test(l) : l === 'committed'));
        const delay = rand(551);
        await sleep(delay);
        child.proc.kill('SIGKILL');
        const { signal, stderr } = await child.exited;
        assert.equal(signal, 'SIGKILL', `child was still recording when killed (stderr: ${stderr})`);

        assert.equal(integrityCheck(file), 'ok', `integrity after kill ${k}`);
        const seqs = storedSeqs(file, run);
        assert.deepEqual(seqs, range(seqs.length), `kill ${k}: stored seqs are gapless from 0`);
        assert.ok(seqs.length >= 1, `kill ${k} after ${delay} ms: run.started (flushed before "ready") is stored`);
        assert.equal(runRow(file, run)!.head_seq, seqs.length - 1, 'the run head is the last stored event');
        assert.equal(runRow(file, run)!.status, 'recording');
        const report = await verified(file, run);
        assert.ok(report.ok, `kill ${k}: ${report.problem}`);
        if (mode === 'commit') {
          const acked = child.lines.filter((l) => /^\d+$/.test(l)).map(Number);
          assert.deepEqual(acked, range(acked.length, 1), 'acknowledgements are in seq order');
          const lastAck = acked.at(-1) ?? 0;
          assert.ok(lastAck <= seqs.length - 1, `acknowledged seq ${lastAck} is stored (stored up to ${seqs.length - 1})`);
          assert.ok(seqs.length - 1 - lastAck <= 1, 'at most the one in-flight event is stored unacknowledged');
        } else {
          assert.equal((seqs.length - 1) % BATCH, 0, `kill ${k}: ${seqs.length - 1} events after run.started is a whole number of batches of ${BATCH}`);
        }
        counts.push(seqs.length);
        await recordAfterCrash(file, run, seqs.length);
      }
      // The kills landed mid-recording, at different points: not one lucky moment repeated.
      assert.ok(counts.filter((c) => c > 1).length >= KILLS_PER_MODE / 2, `most kills hit a run that had recorded events: ${counts.join(', ')}`);
      assert.ok(new Set(counts).size > 1, `stored counts vary: ${counts.join(', ')}`);
      assert.equal(integrityCheck(file), 'ok');
    });
  }
});

describe('orderly endings', () => {
  it('SIGTERM flushes what was buffered and marks the run interrupted', async () => {
    const file = tmp.file('sigterm.db');
    const child = spawnHelper('recording-child.js', ['sigterm', file, 'term', '123']);
    await child.waitForLine((l) => l === 'ready');
    assert.deepEqual(storedSeqs(file, 'term'), [], 'nothing was written before the signal (one open batch)');
    child.proc.kill('SIGTERM');
    const { code, signal, stderr } = await child.exited;
    assert.equal(stderr, '');
    assert.equal(signal, null);
    assert.equal(code, 143, 'exits with 128 + SIGTERM');
    assert.deepEqual(storedSeqs(file, 'term'), range(125), 'run.started, 123 events, run.ended');
    assert.equal(runRow(file, 'term')!.status, 'interrupted');
    const store = await SqliteEventStore.open(file);
    try {
      let last: unknown;
      for await (const e of readEvents(store, 'term', { seqFrom: 124 })) last = e;
      assert.deepEqual((last as { type: string; payload: unknown }).type, 'run.ended');
      assert.deepEqual((last as { payload: unknown }).payload, { status: 'interrupted', reason: 'received SIGTERM', episodes: null, decisions: null });
      const report = await verifyChain(store, 'term');
      assert.ok(report.ok, String(report.problem));
    } finally {
      await store.close();
    }
    const rec = await Recorder.open(file);
    await assert.rejects(rec.resumeRun('term'), (e: unknown) => (e as { code?: string }).code === 'RUN_ENDED');
    await rec.close();
    assert.equal(integrityCheck(file), 'ok');
  });

  it('a normal exit without close() flushes buffered events; the run stays resumable', async () => {
    const file = tmp.file('exit.db');
    const child = spawnHelper('recording-child.js', ['exit', file, 'quit', '77']);
    const { code, stderr } = await child.exited;
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.deepEqual(storedSeqs(file, 'quit'), range(78), 'run.started and 77 events, all flushed at exit');
    assert.equal(runRow(file, 'quit')!.status, 'recording');
    const report = await verified(file, 'quit');
    assert.ok(report.ok, String(report.problem));
    await recordAfterCrash(file, 'quit', 78);
  });

  it("a 'commit'-mode loop of awaited emits runs to completion in a child (the commit keeps the process alive)", async () => {
    const file = tmp.file('commit-loop.db');
    const child = spawnHelper('recording-child.js', ['commit', file, 'loop', '25']);
    const { code, stderr } = await child.exited;
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.deepEqual(child.lines, ['ready', ...range(25, 1).map(String)]);
    assert.deepEqual(storedSeqs(file, 'loop'), range(26));
  });
});
