import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/commands.js';
import { tempDir } from './record-fixture.js';
import { flightrec } from './run-cli.js';

describe('flightrec <command> --help', () => {
  it('lists the global options (--db, --json), which work after every command', () => {
    const dir = tempDir();
    for (const c of COMMANDS) {
      const r = flightrec(dir, c.name, '--help');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Global Options:[\s\S]*--db <path\|url>[\s\S]*postgres:\/\/[\s\S]*--json/, `${c.name} --help`);
    }
  });
});
