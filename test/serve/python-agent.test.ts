import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, flightrec, jsonLines } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const EXAMPLE = fileURLToPath(new URL('../../../clients/python/examples/tabular_agent.py', import.meta.url));

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The `npx flightrec` lines of the README's "Replaying a Python agent". */
function readmeReplayLines(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('### Replaying a Python agent'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').filter((l) => l.startsWith('npx flightrec ')).map((l) => l.replace(/\s+#.*$/, ''));
}

// A TypeScript critic that stands in for the Python one: it thinks every state is worth nothing.
const ZERO_CRITIC = `export default { name: 'zero_critic', role: 'critic', kind: 'user-module', version: () => 'zero-v1',
  evaluate: (states) => ({ dtype: 'float32', shape: [states.shape[0]], data: new Float32Array(states.shape[0]).fill(-5) }) };
`;

test('end to end: the README\'s pure-Python agent recorded through flightrec serve, then show, audit, diff, replay --verify and swaps on its runs', async () => {
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

    // Replay rebuilds the agent in Python (python:<example>:make_agent) and reproduces every decision, updates re-applied.
    const verify = flightrec(tmp.dir, '--db', db, '--json', 'replay', a, '--verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const [head, counts] = jsonLines(verify.stdout) as [{ backend: { recorded: string; same: boolean } }, { decisions: number; reproduced: number }];
    assert.ok(counts.decisions > 20);
    assert.equal(counts.reproduced, counts.decisions);
    assert.match(head.backend.recorded, /^python /);
    // Episodes 3..4 alone: the tables never saved a checkpoint, so every update before them is re-applied first.
    const part = flightrec(tmp.dir, '--db', db, '--json', 'replay', a, '--verify', '--episodes', '3..4');
    assert.equal(part.code, 0, part.stdout + part.stderr);
    const partCounts = jsonLines(part.stdout)[1] as { decisions: number; reproduced: number };
    assert.ok(partCounts.decisions > 0 && partCounts.decisions < counts.decisions);
    assert.equal(partCounts.reproduced, partCounts.decisions);

    const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The `npx flightrec` lines of the README's "Replaying a Python agent". */
function readmeReplayLines(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('### Replaying a Python agent'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').filter((l) => l.startsWith('npx flightrec ')).map((l) => l.replace(/\s+#.*$/, ''));
}

// A TypeScript critic stands in for the Python one; the Python planner asks it through flightrec.
    writeFileSync(tmp.file('zero-critic.mjs'), ZERO_CRITIC);
    const swapped = flightrec(tmp.dir, '--db', db, '--json', 'replay', a, '--swap', 'critic=module:zero-critic.mjs');
    assert.equal(swapped.code, 0, swapped.stderr);
    const re = JSON.parse(swapped.stdout) as { derived_run: string; decisions: number; mean_abs_delta_value: number; calls: Record<string, { reused: number; computed: number }> };
    assert.equal(re.decisions, counts.decisions);
    assert.ok(re.mean_abs_delta_value > 0.1);
    assert.ok(re.calls.table_model!.reused > 0, JSON.stringify(re.calls));
    const derived = (JSON.parse(flightrec(tmp.dir, '--db', db, '--json', 'runs').stdout) as { id: string; status: string }[]).find((r) => r.id === re.derived_run);
    assert.equal(derived?.status, 'completed');
    const critics = JSON.parse(flightrec(tmp.dir, '--db', db, '--json', 'show', re.derived_run, '3').stdout) as { calls: { component: string }[] };
    assert.ok(critics.calls.some((c) => c.component === 'zero_critic'));
    assert.ok(flightrec(tmp.dir, '--db', db, 'diff', a, re.derived_run).code !== 2);

    // And the reverse: a Python critic (a fresh one, from the factory) swapped in by name.
    const py = flightrec(tmp.dir, '--db', db, '--json', 'replay', a, '--swap', `critic=python:${EXAMPLE}:make_agent`);
    assert.equal(py.code, 0, py.stderr);
    assert.ok((JSON.parse(py.stdout) as { mean_abs_delta_value: number }).mean_abs_delta_value > 0);

    // Blame runs the recorded decision again with and without the stand-in.
    const blamed = flightrec(tmp.dir, '--db', db, '--json', 'blame', a, '3', '--against', 'critic=module:zero-critic.mjs');
    assert.equal(blamed.code, 0, blamed.stderr);
    const bl = JSON.parse(blamed.stdout) as { recorded_action: number; baseline_action: number };
    assert.equal(bl.baseline_action, bl.recorded_action);

    // The README's replay lines, as a user types them in the repository's root.
    const lines = readmeReplayLines();
    assert.ok(lines.length >= 4);
    for (const line of lines) {
      const args = line.replace(/<run>/g, a).split(/\s+/).slice(2);
      const r = flightrec(ROOT, ...args, '--db', db);
      assert.equal(r.code, 0, `${line}: ${r.stderr}`);
      if (args.includes('--verify')) assert.match(r.stdout, /\(100\.0%\)/);
    }
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    tmp.cleanup();
  }
});
