import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { interruptUnderPty } from '../helpers/pty-interrupt.js';
import { tempDir } from '../helpers/temp-database.js';
import { CLI, flightrec } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HAS_PTY = spawnSync('python3', ['-c', 'import pty, select']).status === 0;

/** Ctrl-C on a terminal, as a user types it (a pseudo-terminal), while the demo trains. */
describe('Ctrl-C during a recording command', { skip: HAS_PTY ? false : 'python3 with the pty module is needed to drive a terminal' }, () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('restores the terminal, ends the line, and names the interrupted run and what still works on it', () => {
    const db = tmp.file('demo.db');
    const r = interruptUnderPty(ROOT, [process.execPath, CLI, 'demo', '--episodes', '500', '--db', db], /training .* [1-9]\d*\/500 episodes/);
    assert.ok(r.interrupted, r.output);
    assert.equal(r.status, 130, r.output);
    // The bar hid the cursor (?25l) and turned wrapping off (?7l); both are undone after the last time they were set.
    const hid = r.output.lastIndexOf('\x1b[?25l');
    const unwrapped = r.output.lastIndexOf('\x1b[?7l');
    assert.ok(hid >= 0 && unwrapped >= 0, 'the bar ran');
    assert.ok(r.output.indexOf('\x1b[?25h', hid) > hid, 'cursor shown again');
    assert.ok(r.output.indexOf('\x1b[?7h', unwrapped) > unwrapped, 'line wrapping on again');
    const text = r.output.replace(/\r/g, '');
    const m = /\nflightrec: interrupted \(Ctrl-C\)\nrun (\S+) is interrupted: (\d+) events recorded, (\d+) decisions, \d+ episodes complete\nwhat you can still do with it:\n/.exec(text);
    assert.ok(m, text);
    const run = m[1]!;
    const hints = text.slice(m.index + m[0].length).split('\n').filter((l) => l.startsWith('  npx flightrec '));
    assert.deepEqual(hints.map((l) => l.trim().split(/\s+/)[2]), ['show', 'replay', 'audit', 'verify']);
    const runs = JSON.parse(flightrec(ROOT, 'runs', '--db', db, '--json').stdout) as { id: string; status: string; events: number }[];
    assert.deepEqual(runs.map((x) => [x.id, x.status, x.events]), [[run, 'interrupted', Number(m[2])]]);
    // What it says still works does: the chain verifies and the recorded decisions reproduce.
    for (const hint of hints.filter((l) => !/ audit /.test(l))) {
      const args = hint.replace(/\s+#.*$/, '').trim().split(/\s+/).slice(2);
      const out = flightrec(ROOT, ...args);
      assert.equal(out.code, 0, `${hint}: ${out.stderr}`);
    }
  });
});
