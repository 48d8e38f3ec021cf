import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const EXAMPLE = fileURLToPath(new URL('../../../clients/python/examples/tabular_agent.py', import.meta.url));

test('end to end: the README\'s pure-Python agent recorded through flightrec serve, then show, audit and diff on its runs', async () => {
  const tmp = tempDir();
  const db = tmp.file('py.db');
  const server = spawn(process.execPath, [CLI, '--db', db, '--json', 'serve', '--port', '0']);
  try {
    const [line] = (await once(server.stdout, 'data')) as [Buffer];
    const url = (JSON.parse(line.toString()) as { url: string }).url;
    const record = () => {
      const r = spawnSync('python3', [EXAMPLE, '6'], { encoding: 'utf8', env: { ...process.env, FLIGHTREC_URL: url, FLIGHTREC_SPOOL: tmp.file('spool') }, timeout: 300_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    const [a, b] = [record(), record()];
    const runs = JSON.parse(flightrec(tmp.dir, '--db', db, '--json', 'runs').stdout) as { id: string; status: string; env: string; events: number }[];
    assert.deepEqual(runs.map((r) => [r.id, r.status, r.env]).sort(), [a, b].sort().map((id) => [id, 'completed', 'corridor']));

    const show = flightrec(tmp.dir, '--db', db, '--json', 'show', a, '3');
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { calls: { type: string; component: string }[]; choice: { chooser: string } | null };
    assert.deepEqual(shown.calls.map((c) => c.component).sort(), ['goal_reward', 'table_critic', 'table_model']);

    const audit = flightrec(tmp.dir, '--db', db, '--json', 'audit', a);
    assert.ok(audit.code === 0 || audit.code === 1, audit.stderr);
    const report = JSON.parse(audit.stdout) as { gamma: number; checks: Record<string, { verdict: string }> };
    assert.equal(report.gamma, 0.9);
    // The greedy planner maximises r̂ + γV(ŝ') by construction, and the tabular model learns the corridor exactly.
    assert.equal(report.checks.actor!.verdict, 'pass');
    assert.equal(report.checks.world_model!.verdict, 'pass');

    // The agent is deterministic: two recordings of it are identical decision by decision.
    const diff = flightrec(tmp.dir, '--db', db, '--json', 'diff', a, b);
    assert.equal(diff.code, 0, diff.stdout + diff.stderr);
    assert.equal(flightrec(tmp.dir, '--db', db, 'verify', '--all').code, 0);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    tmp.cleanup();
  }
});
