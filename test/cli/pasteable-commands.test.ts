import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../../src/cli/commands.js';
import { tempDir } from '../helpers/temp-database.js';
import { flightrec } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NAMES = COMMANDS.map((c) => c.name).sort((a, b) => b.length - a.length);

/**
 * `flightrec <command>` where a reader would paste it: after `npm ci` the bin is only on the path
 * through npx, so a bare one fails in the shell (help text may wrap a line after `npx`). `flightrec serve: listening` (the program naming
 * itself before a colon) and `flightrec-server` are not commands.
 */
const BARE = new RegExp(`(?<![\\w/.-]|npx\\s+)flightrec (${NAMES.join('|')})\\b(?![:-])`, 'g');

function bare(text: string): string[] {
  return [...text.matchAll(BARE)].map((m) => text.slice(Math.max(0, m.index - 30), m.index + 40).replace(/\n/g, '⏎'));
}

describe('every command flightrec prints works when pasted after npm ci', () => {
  const tmp = tempDir();
  const db = tmp.file('demo.db');
  let run = '';
  let demo = { stdout: '', stderr: '' };
  before(() => {
    const r = flightrec(ROOT, 'demo', '--episodes', '3', '--seed', '2', '--db', db);
    assert.equal(r.code, 0, r.stderr);
    demo = r;
    run = /recorded run (\S+)/.exec(r.stdout)![1]!;
  });
  after(() => tmp.cleanup());

  it('the README says npx flightrec wherever it shows a command', () => {
    assert.deepEqual(bare(readFileSync(path.join(ROOT, 'README.md'), 'utf8')), []);
  });

  it("the demo's next: hints are npx commands that run as printed", () => {
    assert.deepEqual(bare(demo.stdout + demo.stderr), []);
    const hints = demo.stdout.split('\n').filter((l) => l.trimStart().startsWith('npx flightrec '));
    assert.equal(hints.length, 5);
    // The cheapest hint, pasted into a shell word for word. npx runs this package's own bin through
    // a fresh cache (as on a first use after npm ci), offline: it links the bin and runs it as a program.
    const verify = hints.find((l) => l.includes(' verify '))!.replace(/\s+#.*$/, '').trim();
    const env = { ...process.env, npm_config_cache: tmp.file('npm-cache'), npm_config_offline: 'true', npm_config_update_notifier: 'false' };
    const r = spawnSync('sh', ['-c', verify.replace(/^npx /, 'npx --no -- ')], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${run} +\\d+ +ok`));
  });

  it('replay, checkpoint and error hints print npx commands', () => {
    const outputs = [
      flightrec(ROOT, 'replay', run, '--set', 'planner.horizon=1', '--db', db),
      flightrec(ROOT, 'checkpoint', run, 'critic', '--out', tmp.file('critic.ckpt'), '--db', db),
      flightrec(ROOT, 'events', 'ghost', '--db', db),
      flightrec(ROOT, 'runs', '--db', tmp.file('missing.db')),
      flightrec(ROOT, 'show', run, '999999', '--db', db),
      flightrec(ROOT, 'verify', run, '--seal', tmp.file('no-such.seal'), '--db', db),
    ];
    assert.match(outputs[0]!.stdout, /next: npx flightrec diff /);
    assert.match(outputs[1]!.stdout, /use it with: npx flightrec replay /);
    for (const o of outputs) assert.deepEqual(bare(o.stdout + o.stderr), []);
  });

  it('the bin npx runs is executable as checked out (tsc writes dist/ without the execute bit)', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: { flightrec: string } };
    assert.ok(!pkg.bin.flightrec.startsWith('dist/'), pkg.bin.flightrec);
    assert.ok((statSync(path.join(ROOT, pkg.bin.flightrec)).mode & 0o111) !== 0, `${pkg.bin.flightrec} is not executable`);
    const r = spawnSync(path.join(ROOT, pkg.bin.flightrec), ['--version'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it("every command's --help names itself as npx flightrec", () => {
    for (const name of ['', ...NAMES]) {
      const r = flightrec(ROOT, ...(name ? [name] : []), '--help');
      assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: npx flightrec /);
      assert.deepEqual(bare(r.stdout), [], `${name} --help`);
    }
  });
});
