import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordYourAgent } from '../../examples/record-your-agent.js';
import { Recorder } from '../../src/record/recorder.js';
import { FlightrecServer } from '../../src/serve/flightrec-server.js';
import { ServerAccess } from '../../src/serve/server-access.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { UiApi } from '../../src/ui/ui-api.js';
import { criticEvaluated } from '../helpers/sample-events.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';
import { CLI, flightrec } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// A reward that takes 20 ms a call (sleeping, not spinning): the replay is still writing when it is killed.
const SLOW_REWARD = `const pause = new Int32Array(new SharedArrayBuffer(4));
export default {
  name: 'slow_reward', role: 'reward', kind: 'user-module', version: () => 'slow-v1',
  evaluate(states) {
    Atomics.wait(pause, 0, 0, 20);
    const n = states.shape[0];
    return { dtype: 'float32', shape: [n], data: new Float32Array(n).fill(0.5) };
  },
};
`;

interface RunJson {
  id: string;
  status: string;
  events: number;
  source_run: string | null;
}

/**
 * A replay SIGKILLed midway leaves a derived run nobody will end: `runs` lists it as interrupted,
 * commands reading it warn on stderr, and `rm` deletes it (and what only it used) while every
 * other run still verifies.
 */
describe('interrupted derived runs and flightrec rm', () => {
  const tmp = tempDir();
  const db = tmp.file('runs.db');
  let source = '';
  let killed = '';
  const runs = (): RunJson[] => {
    const r = flightrec(ROOT, 'runs', '--db', db, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as RunJson[];
  };

  before(async () => {
    writeFileSync(tmp.file('slow-reward.mjs'), SLOW_REWARD);
    source = await recordYourAgent(db, 30);
    const child = spawn(process.execPath, [CLI, 'replay', source, '--swap', `reward=module:${tmp.file('slow-reward.mjs')}`, '--db', db], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill it once its derived run has stored events past run.started.
    for (let i = 0; i < 600 && killed === ''; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const d = runs().find((x) => x.source_run === source && x.events > 1);
      if (d !== undefined) killed = d.id;
    }
    child.kill('SIGKILL');
    await exited;
    assert.notEqual(killed, '', 'the replay wrote a derived run before it was killed');
  });
  after(() => tmp.cleanup());

  it('runs lists the killed replay as interrupted (stored as recording), the source as completed', () => {
    const all = runs();
    assert.equal(all.find((r) => r.id === killed)?.status, 'interrupted');
    assert.equal(all.find((r) => r.id === source)?.status, 'completed');
    const raw = rawDatabase(db);
    assert.equal(raw.prepare('select status from runs where id = ?').pluck().get(killed), 'recording', 'nothing was written: read commands only infer it');
    raw.close();
    assert.match(flightrec(ROOT, 'runs', '--db', db).stdout, new RegExp(`^${killed}\\s.*\\binterrupted\\b`, 'm'));
  });

  it('the viewer and serve list it as interrupted too', async () => {
    const store = await SqliteEventStore.open(db, { mustExist: true });
    const server = await FlightrecServer.start({ store, access: ServerAccess.resolve({ host: '127.0.0.1', token: null }, {}), port: 0 });
    try {
      const ui = (await new UiApi(store, db).runs()) as { id: string; status: string }[];
      assert.equal(ui.find((r) => r.id === killed)?.status, 'interrupted');
      assert.equal(((await new UiApi(store, db).run(killed)) as { status: string }).status, 'interrupted');
      const listed = (await (await fetch(`${server.url}/v1/runs`)).json()) as { runs: { id: string; status: string }[] };
      assert.equal(listed.runs.find((r) => r.id === killed)?.status, 'interrupted');
      assert.equal(listed.runs.find((r) => r.id === source)?.status, 'completed');
      assert.equal(((await (await fetch(`${server.url}/v1/runs/${killed}`)).json()) as { status: string }).status, 'interrupted');
    } finally {
      await server.stop();
      await store.close();
    }
  });

  it('audit and diff of the interrupted run say so on stderr; stdout stays clean for --json', () => {
    const audit = flightrec(ROOT, 'audit', killed, '--db', db, '--check', 'reward', '--json');
    assert.match(audit.stderr, new RegExp(`warning: run ${killed} was interrupted: its writer \\(pid \\d+\\) is gone`));
    JSON.parse(audit.stdout);
    const diff = flightrec(ROOT, 'diff', source, killed, '--db', db);
    assert.match(diff.stderr, new RegExp(`warning: run ${killed} was interrupted`));
    const complete = flightrec(ROOT, 'audit', source, '--db', db, '--check', 'reward');
    assert.doesNotMatch(complete.stderr, /warning/);
  });

  it('rm refuses a completed recording and a source of derived runs (unless --force); removes derived runs and only their own blobs; every other chain verifies', async () => {
    const refused = flightrec(ROOT, 'rm', source, '--db', db);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /is a completed recording: it exists nowhere else/);

    // d1 derived from the source, d2 derived from d1; d1 holds one blob of its own and one it shares with d2.
    const rec = await Recorder.open(db);
    const d1 = await rec.startRun({ id: 'd1', sourceRun: source });
    d1.append(criticEvaluated(1, { rows: 100 }));
    d1.append(criticEvaluated(2, { rows: 100 }));
    await d1.end('completed');
    const d2 = await rec.startRun({ id: 'd2', sourceRun: 'd1' });
    d2.append(criticEvaluated(2, { rows: 100 }));
    await d2.end('failed', 'planted');
    await rec.close();
    const blobs = () => {
      const raw = rawDatabase(db);
      try {
        return raw.prepare('select count(*) from blobs').pluck().get() as number;
      } finally {
        raw.close();
      }
    };
    const before = blobs();

    const withDependents = flightrec(ROOT, 'rm', 'd1', '--db', db);
    assert.equal(withDependents.code, 2);
    assert.match(withDependents.stderr, /run d1 is the source of 1 derived run \(d2\); pass --force/);
    const forced = flightrec(ROOT, 'rm', 'd1', '--force', '--db', db, '--json');
    assert.equal(forced.code, 0, forced.stderr);
    const r = JSON.parse(forced.stdout) as { events: number; blobs: number; orphaned: string[] };
    assert.deepEqual(r.orphaned, ['d2']);
    assert.equal(r.events, 4);
    assert.ok(r.blobs >= 1, `${r.blobs} blobs only d1 used`);
    assert.equal(blobs(), before - r.blobs);
    // The blob d1 shared with d2 is kept: d2 still verifies and exports (export inlines every blob).
    assert.equal(flightrec(ROOT, 'verify', 'd2', '--db', db).code, 0);
    const exported = flightrec(ROOT, 'export', 'd2', '--db', db);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /"flightrec":"end","events":3/);

    const killedRm = flightrec(ROOT, 'rm', killed, '--db', db);
    assert.equal(killedRm.code, 0, killedRm.stderr);
    assert.match(killedRm.stdout, new RegExp(`removed run ${killed} \\(interrupted\\)`));
    const failedRm = flightrec(ROOT, 'rm', 'd2', '--db', db);
    assert.equal(failedRm.code, 0, failedRm.stderr);
    assert.deepEqual(runs().map((x) => x.id), [source]);

    const verify = flightrec(ROOT, 'verify', '--all', '--db', db);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.equal(flightrec(ROOT, 'replay', source, '--verify', '--db', db).code, 0, 'the source still replays exactly: its blobs are all there');
    const raw = rawDatabase(db);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
  });
});
