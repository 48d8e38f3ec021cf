import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordFixture, tempDir } from './record-fixture.js';
import { flightrec } from './run-cli.js';

/** User mistakes: exit 2, a message that names what was wrong, nothing on stdout, never a stack trace. */
describe('flightrec on user mistakes', () => {
  const dir = tempDir();
  const db = path.join(dir, 'some.db');

  before(async () => {
    await recordFixture(db, 'known', { decisions: 1 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const expectUsage = (args: string[], message: RegExp) => {
    const r = flightrec(dir, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };

  it('an unknown run is named, with the runs that do exist', () => {
    for (const cmd of [['events', 'ghost'], ['verify', 'ghost'], ['seal', 'ghost'], ['export', 'ghost']]) {
      expectUsage(['--db', db, ...cmd], /run not found: ghost\nhint: recent runs: known/);
    }
  });

  it('a missing database file is an error for readers, and is not created', () => {
    const missing = path.join(dir, 'missing.db');
    for (const cmd of [['runs'], ['events', 'known'], ['verify', '--all'], ['seal', 'known'], ['export', 'known']]) {
      expectUsage(['--db', missing, ...cmd], /no flightrec database at .*missing\.db/);
    }
    assert.equal(existsSync(missing), false);
  });

  it('unknown commands and options and missing arguments are usage errors', () => {
    assert.equal(flightrec(dir, '--db', db, 'bogus').code, 2);
    assert.equal(flightrec(dir, '--db', db, 'events').code, 2);
    assert.equal(flightrec(dir, '--db', db, 'runs', '--colour').code, 2);
  });

  it('demo --planner names a planner that cannot plan for the environment, and records nothing', () => {
    const fresh = path.join(dir, 'planner.db');
    expectUsage(['--db', fresh, 'demo', '--planner', 'mppi'], /the mppi planner does not plan for gridworld: its actions are discrete \(use beam or mcts\)/);
    expectUsage(['--db', fresh, 'demo', '--env', 'pendulum', '--planner', 'mcts'], /the mcts planner does not plan for pendulum: its actions are continuous \(use mppi\)/);
    expectUsage(['--db', fresh, 'demo', '--planner', 'tree'], /invalid --planner "tree".*"beam"\|"mcts"\|"mppi"/);
    assert.equal(existsSync(fresh), false);
  });
});
