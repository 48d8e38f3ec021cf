import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pythonAgentFactory } from '../../replay/python-agent-factory.js';
import { recordAgentRun } from '../../src/harness/record-agent-run.js';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { CLI, jsonLines, type CliResult } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const AGENTS = fileURLToPath(new URL('../../../test/replay/python/', import.meta.url));
const GRID = `python:${AGENTS}grid_agent.py:make_agent`;
const FAULTY = `python:${AGENTS}faulty_agent.py:make_agent`;

describe("a Python agent on flightrec's gridworld, its components served over the component protocol", () => {
  const tmp = tempDir();
  const db = tmp.file('grid.db');
  let run = '';
  let decisions = 0;
  after(() => tmp.cleanup());

  const cli = (args: string[], env: Record<string, string> = {}): CliResult => {
    const r = spawnSync(process.execPath, [CLI, '--db', db, ...args], { cwd: tmp.dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(async () => {
    // flightrec's own episode loop drives the Python components (this process speaks the protocol), so decisions carry env states.
    const r = await recordAgentRun({ db, factory: pythonAgentFactory(GRID, AGENTS), agent: GRID, env: 'gridworld', episodes: 2, seed: 3, config: {}, discount: 0.95 });
    run = r.run;
    decisions = r.decisions;
  });

  it('replay --verify reproduces every decision, the planner\'s tie-breaking draws from the recorded generator included', async () => {
    const store = await SqliteEventStore.open(db, { mustExist: true });
    const states = new Set<string>();
    const actions = new Set<number>();
    try {
      for await (const e of readEventsOfType(store, run, 'decision.started')) states.add(e.payload.rng_state);
      for await (const e of readEventsOfType(store, run, 'actor.chose')) actions.add(e.payload.action as number);
    } finally {
      await store.close();
    }
    // The planner drew, and its draws moved the episode loop's generator on (otherwise every decision would record one state).
    assert.equal(states.size, decisions);
    assert.ok(actions.size > 1);
    const r = cli(['--json', 'replay', run, '--verify']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const counts = jsonLines(r.stdout)[1] as { decisions: number; reproduced: number };
    assert.deepEqual(counts, { decisions, reproduced: decisions, diverged: 0, errors: 0 });
  });

  it('closed-loop replay continues the environment from a recorded decision with the Python agent, a TypeScript critic swapped in', () => {
    writeFileSync(tmp.file('row-critic.mjs'), `export default { name: 'row_critic', role: 'critic', kind: 'user-module', version: () => 'row-v1',
      evaluate: (s) => ({ dtype: 'float32', shape: [s.shape[0]], data: new Float32Array(s.shape[0]) }) };\n`);
    for (const swap of [[], ['--swap', 'critic=module:row-critic.mjs']]) {
      const r = cli(['--json', 'replay', run, '--closed-loop', '--from', '4', '--steps', '6', ...swap]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { derived_run: string; steps: number };
      assert.equal(report.steps, 6);
      const derived = (JSON.parse(cli(['--json', 'runs']).stdout) as { id: string; status: string }[]).find((x) => x.id === report.derived_run);
      assert.equal(derived?.status, 'completed');
    }
  });

  it('a run the Python client recorded in a port of gridworld (its env state in flightrec\'s format) is verified and continued in flightrec\'s gridworld', async () => {
    const pyDb = tmp.file('py-grid.db');
    const server = spawn(process.execPath, [CLI, '--db', pyDb, '--json', 'serve', '--port', '0']);
    let pyRun = '';
    try {
      const [line] = (await once(server.stdout, 'data')) as [Buffer];
      const url = (JSON.parse(line.toString()) as { url: string }).url;
      const r = spawnSync('python3', [`${AGENTS}record_gridworld.py`], { encoding: 'utf8', env: { ...process.env, FLIGHTREC_URL: url, FLIGHTREC_SPOOL: tmp.file('spool') }, timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      pyRun = r.stdout.trim();
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    const on = (args: string[]) => spawnSync(process.execPath, [CLI, '--db', pyDb, ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 240_000 });
    const verify = on(['--json', 'replay', pyRun, '--verify']);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const counts = jsonLines(verify.stdout)[1] as { decisions: number; reproduced: number };
    assert.ok(counts.decisions > 10);
    assert.equal(counts.reproduced, counts.decisions);
    const loop = on(['--json', 'replay', pyRun, '--closed-loop', '--from', '3']);
    assert.equal(loop.status, 0, loop.stderr);
    const report = JSON.parse(loop.stdout) as { steps: number; ended_by: string; source_steps: number; first_action: number; source_first_action: number };
    // Same components, same generator state, same environment: the continuation retraces the recorded episode.
    assert.equal(report.first_action, report.source_first_action);
    assert.equal(report.steps, report.source_steps);
  });

  it('a component process that dies gives COMPONENT_PROCESS_FAILED naming the component and the call, exit 2', () => {
    const r = cli(['replay', run, '--verify', '--agent', FAULTY], { FAULTY_CRITIC: 'die:5' });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /\[COMPONENT_PROCESS_FAILED\]: cell_critic: critic evaluate: the component process exited with code 7/);
    assert.match(r.stderr, /faulty critic: die at call 5/); // its stderr is quoted
  });

  it('a component process that answers garbage gives the same typed error', () => {
    const r = cli(['replay', run, '--verify', '--agent', FAULTY], { FAULTY_CRITIC: 'garbage:3' });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /\[COMPONENT_PROCESS_FAILED\]: cell_critic: critic evaluate: it wrote a line that is not JSON: "<html>not the protocol<\/html>"/);
  });

  it('a component process that stalls is killed after FLIGHTREC_COMPONENT_TIMEOUT', () => {
    const r = cli(['replay', run, '--verify', '--agent', FAULTY], { FAULTY_CRITIC: 'slow:2', FLIGHTREC_COMPONENT_TIMEOUT: '2' });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /cell_critic: critic evaluate: no answer within 2 s/);
  });

  it("a component's own exception fails that decision only: the process is still in a known state", () => {
    const r = cli(['--json', 'replay', run, '--verify', '--agent', FAULTY], { FAULTY_CRITIC: 'raise:1' });
    assert.equal(r.code, 1, r.stderr);
    const [head, counts] = jsonLines(r.stdout) as [{ problems: { code: string; message: string }[] }, { decisions: number; errors: number }];
    assert.equal(counts.errors, counts.decisions);
    assert.equal(head.problems[0]!.code, 'COMPONENT_PROCESS_FAILED');
    assert.match(head.problems[0]!.message, /cell_critic: critic evaluate: the Python code raised ValueError: the critic cannot evaluate these states/);
  });

  it('a swapped-in Python critic that dies during an open-loop replay: exit 2, and the derived run is ended as failed', () => {
    const before = (JSON.parse(cli(['--json', 'runs']).stdout) as { id: string }[]).map((x) => x.id);
    const r = cli(['replay', run, '--swap', `critic=${FAULTY}`], { FAULTY_CRITIC: 'die:1' });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /\[COMPONENT_PROCESS_FAILED\]: cell_critic: critic evaluate/);
    const derived = (JSON.parse(cli(['--json', 'runs']).stdout) as { id: string; status: string; source_run: string | null }[]).filter((x) => !before.includes(x.id));
    assert.equal(derived.length, 1);
    assert.equal(derived[0]!.status, 'failed');
    assert.equal(cli(['verify', derived[0]!.id]).code, 0);
  });

  it('a factory that does not exist is refused before anything is recorded', () => {
    const r = cli(['replay', run, '--verify', '--agent', `python:${AGENTS}no_such_agent.py:make_agent`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /COMPONENT_PROCESS_FAILED\]: python:.*no_such_agent\.py:make_agent: start: the component process exited with code 3[\s\S]*no Python file at/);
    assert.match(cli(['replay', run, '--verify', '--agent', 'python:nocolon']).stderr, /\[INVALID_INPUT\]: invalid Python agent factory "python:nocolon"/);
  });
});
