import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI } from '../cli/run-cli.js';

const CLIENT = fileURLToPath(new URL('../../../clients/python/', import.meta.url));

test("the Python client's unittest suite passes against a real flightrec serve", () => {
  const r = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], { cwd: CLIENT, encoding: 'utf8', env: { ...process.env, FLIGHTREC_CLI: CLI }, timeout: 600_000 });
  const summary = r.stderr.split('\n').filter((l) => /^(Ran|OK|FAILED)/.test(l)).join(' | ');
  assert.equal(r.status, 0, `${summary}\n${r.stderr.slice(-6000)}`);
  const ran = Number(/Ran (\d+) tests?/.exec(r.stderr)?.[1] ?? 0);
  assert.ok(ran >= 15, summary);
});
