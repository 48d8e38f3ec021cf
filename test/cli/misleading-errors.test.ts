import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp-database.js';
import { flightrec } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Mistakes whose errors used to mislead: each exits 2 and names what was wrong and what is accepted. */
describe('flightrec names what was wrong and what is accepted', () => {
  const tmp = tempDir();
  const db = tmp.file('demo.db');
  let run = '';
  before(() => {
    const r = flightrec(ROOT, 'demo', '--episodes', '2', '--seed', '3', '--db', db, '--json');
    assert.equal(r.code, 0, r.stderr);
    run = (JSON.parse(r.stdout) as { run: string }).run;
  });
  after(() => tmp.cleanup());

  const usage = (args: string[]) => {
    const r = flightrec(ROOT, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at |undefined/);
    return r.stderr;
  };
  const runCount = () => (JSON.parse(flightrec(ROOT, 'runs', '--db', db, '--json').stdout) as unknown[]).length;

  it('an --episodes range that matches no episode is refused, and records no empty derived run', () => {
    const before = runCount();
    const err = usage(['replay', run, '--episodes', '500..600', '--set', 'planner.horizon=1', '--db', db]);
    assert.match(err, /invalid --episodes 500\.\.600: no decision of run \S+ is in these episodes; its decisions are in episodes 0\.\.1/);
    assert.equal(runCount(), before);
    assert.match(usage(['replay', run, '--verify', '--episodes', '500..600', '--db', db]), /invalid --episodes 500\.\.600/);
  });

  it('--set of an unknown planner setting names it and lists the accepted ones', () => {
    assert.match(usage(['replay', run, '--set', 'planner.nosuch=3', '--db', db]), /"nosuch".*settings are horizon, beam/);
  });

  it('blame without --against says what it needs, with an example', () => {
    assert.match(usage(['blame', run, '3', '--db', db]), /missing --against: .*give --against <role>=<spec>.*e\.g\. --against critic=@latest/);
  });

  it('a missing module: file says the file is missing, not to list the runs', () => {
    const err = usage(['replay', run, '--swap', 'reward=module:no-such-reward.mjs', '--db', db]);
    assert.match(err, /no-such-reward\.mjs/);
    assert.match(err, /no file at /);
    assert.doesNotMatch(err, /flightrec runs/);
  });

  it('a directory given as --db says it is a directory, for readers and writers', () => {
    for (const args of [['runs'], ['events', run], ['demo', '--episodes', '1']]) {
      assert.match(usage([...args, '--db', tmp.dir]), /\[PATH_IS_A_DIRECTORY\]: .* is a directory, not a database file\nhint: name a file, e\.g\. .*flightrec\.db/);
    }
  });
});
