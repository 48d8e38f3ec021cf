import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { flightrec } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
const db = tmp.file('demo.db');
const runs: string[] = [];

/** The reference agent (tfjs MLPs, online learning, beam planner), recorded as `flightrec demo` records it. */
function demo(seed: number): string {
  const r = flightrec(tmp.dir, '--db', db, '--json', 'demo', '--episodes', '4', '--seed', String(seed));
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { run: string }).run;
}

before(() => {
  runs.push(demo(5), demo(5), demo(6));
});
after(() => tmp.cleanup());

describe('flightrec diff on the reference agent', () => {
  it('finds two trainings with the same seed identical (they differ only in t and ids)', () => {
    const r = flightrec(tmp.dir, '--db', db, '--json', 'diff', runs[0]!, runs[1]!);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as { identical: boolean; aligned: number; first_divergence: unknown; decisions: { a: number } };
    assert.equal(j.identical, true);
    assert.equal(j.first_divergence, null);
    assert.equal(j.aligned, j.decisions.a);
    assert.ok(j.aligned > 60, 'past the warm-up, so components were updated during the run');
  });

  it('reports trainings with different seeds as diverging in their input at the first decision', () => {
    const r = flightrec(tmp.dir, '--db', db, '--json', 'diff', runs[0]!, runs[2]!);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as { first_divergence: { kind: string; episode: number; step: number; event_type: string }; versions: { component: string }[] };
    assert.equal(j.first_divergence.kind, 'input');
    assert.deepEqual([j.first_divergence.episode, j.first_divergence.step], [0, 0]);
    assert.equal(j.first_divergence.event_type, 'decision.started');
    // Different seeds initialise different weights: every learned component's version differs.
    assert.deepEqual(j.versions.map((v) => v.component).sort(), ['actor', 'critic', 'reward', 'world_model']);
  });
});
