import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { interruptUnderPty } from '../helpers/pty-interrupt.js';
import { tempDir } from '../helpers/temp-database.js';
import { CLI, flightrec } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HAS_PTY = spawnSync('python3', ['-c', 'import pty, select']).status === 0;
const NEVER = /(?!)/; // run to the end, no Ctrl-C

/** Commands that take seconds on a real run show a bar with a total and an ETA on a terminal, and nothing on a pipe. */
describe('progress on a terminal', { skip: HAS_PTY ? false : 'python3 with the pty module is needed to drive a terminal' }, () => {
  const tmp = tempDir();
  const db = tmp.file('demo.db');
  let run = '';
  let events = 0;
  let decisions = 0;
  before(() => {
    const r = flightrec(ROOT, 'demo', '--episodes', '2', '--seed', '4', '--db', db, '--json');
    assert.equal(r.code, 0, r.stderr);
    ({ run, events, decisions } = JSON.parse(r.stdout) as { run: string; events: number; decisions: number });
    assert.equal(flightrec(ROOT, 'export', run, '--out', tmp.file('run.ndjson.gz'), '--db', db).code, 0);
  });
  after(() => tmp.cleanup());

  const cases: [string, () => string[], () => RegExp][] = [
    ['verify', () => ['verify', run, '--db', db], () => new RegExp(`verifying .* 0/${events} events \\| .* left`)],
    ['seal', () => ['seal', run, '--out', tmp.file('run.seal'), '--db', db], () => new RegExp(`verifying .* ${events}/${events} events \\| .* left`)],
    ['audit', () => ['audit', run, '--db', db], () => new RegExp(`auditing .* 0/${decisions} decisions \\| .* left`)],
    ['replay --verify', () => ['replay', run, '--verify', '--db', db], () => new RegExp(`verifying .* ${decisions}/${decisions} decisions \\| .* left`)],
    ['import', () => ['import', tmp.file('run.ndjson.gz'), '--db', tmp.file('copy.db')], () => /importing \(check, then write\) .* \d+\.\d\/\d+\.\d MB \| .* left/],
  ];
  for (const [name, args, bar] of cases) {
    it(`${name} shows a bar with its total and ETA, and gives the terminal back`, () => {
      const r = interruptUnderPty(ROOT, [process.execPath, CLI, ...args()], NEVER);
      assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.output}`);
      assert.match(r.output, bar());
      assert.ok(r.output.lastIndexOf('\x1b[?25h') > r.output.lastIndexOf('\x1b[?25l'), 'cursor shown again');
      assert.ok(r.output.lastIndexOf('\x1b[?7h') > r.output.lastIndexOf('\x1b[?7l'), 'line wrapping on again');
    });
  }

  it('prints no bar when stderr is not a terminal, or with --json', () => {
    for (const args of [['verify', run, '--db', db], ['audit', run, '--db', db]]) {
      const r = flightrec(ROOT, ...args);
      assert.equal(r.stderr, '', args.join(' '));
    }
    const json = interruptUnderPty(ROOT, [process.execPath, CLI, 'verify', run, '--db', db, '--json'], NEVER);
    assert.doesNotMatch(json.output, /verifying|\x1b\[/);
  });
});
