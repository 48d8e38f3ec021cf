import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { recordToyRun } from '../diff/record-toy-run.js';
import { tempDir } from '../helpers/temp-database.js';
import { flightrec } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Stats {
  events: number;
  decisions: number;
  payload_bytes: number;
  blob_bytes: number;
  blobs: number;
  bytes_per_decision: number;
  types: { type: string; events: number; payload_bytes: number; blob_refs: number; blob_bytes: number }[];
}

describe('flightrec stats', () => {
  const tmp = tempDir();
  const db = tmp.file('stats.db');
  after(() => tmp.cleanup());
  before(async () => {
    // A low blob threshold puts the toy agent's tensors in the blob table, shared between events.
    await recordToyRun(db, 'toy', { seed: 3, episodes: 3, blobThreshold: 16 });
  });

  it('counts every event and payload byte by type, and every blob once', () => {
    const r = flightrec(ROOT, 'stats', 'toy', '--db', db, '--json');
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Stats;
    const sqlite = new Database(db, { readonly: true });
    try {
      const byType = sqlite.prepare('select type, count(*) as n, sum(length(payload)) as bytes from events group by type').all() as { type: string; n: number; bytes: number }[];
      assert.equal(s.types.length, byType.length);
      for (const row of byType) {
        const t = s.types.find((x) => x.type === row.type);
        assert.ok(t, `type ${row.type} listed`);
        assert.equal(t.events, row.n, row.type);
        assert.equal(t.payload_bytes, row.bytes, row.type);
      }
      const blobs = sqlite.prepare('select count(*) as n, sum(size) as bytes from blobs').get() as { n: number; bytes: number };
      assert.ok(blobs.n > 0, 'the run stored blobs');
      assert.equal(s.blobs, blobs.n);
      assert.equal(s.blob_bytes, blobs.bytes);
      assert.ok(s.types.reduce((n, t) => n + t.blob_refs, 0) > blobs.n, 'blobs are shared between events, and each is counted once');
      const decisions = (sqlite.prepare("select count(*) as n from events where type = 'decision.started'").get() as { n: number }).n;
      assert.equal(s.decisions, decisions);
      assert.ok(Math.abs(s.bytes_per_decision - (s.payload_bytes + s.blob_bytes) / decisions) < 1e-9);
    } finally {
      sqlite.close();
    }
  });

  it('prints a table for people, and refuses an unknown run with exit 2', () => {
    const r = flightrec(ROOT, 'stats', 'toy', '--db', db);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^run toy: \d+ events, \d+ decisions/);
    assert.match(r.stdout, /TYPE\s+EVENTS\s+PAYLOADS\s+BLOB REFS\s+BLOBS \(first use\)\s+PER DECISION/);
    assert.match(r.stdout, /\ntotal\s+\d+/);
    const missing = flightrec(ROOT, 'stats', 'nosuch', '--db', db);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /run not found: nosuch/);
  });
});
