import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { recordReferenceTraining } from '../../src/harness/reference-training.js';
import { encodeValue } from '../../src/events/payload-codec.js';
import { readEventsOfType } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { parseSwap } from '../../replay/component-spec.js';
import { resolveSwap } from '../../replay/resolve-swap.js';
import { loadRunContext } from '../../replay/run-context.js';
import { verifyReplay } from '../../replay/verify-replay.js';
import { decodeStoredPayload, rawDatabase, tempDir } from '../helpers/temp-database.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/flightrec-0.1.0.sqlite', import.meta.url));
const ROLES = ['world_model', 'reward', 'critic', 'actor'] as const;

async function withStore<T>(file: string, fn: (s: SqliteEventStore) => Promise<T>): Promise<T> {
  const s = await SqliteEventStore.open(file, { mustExist: true });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** The role's component rebuilt at its latest recorded version (nearest checkpoint + recorded updates), as `flightrec checkpoint` does. */
/**
 * Rebuilds a role's last version by naming it, which re-applies every update since the last
 * periodic checkpoint (`@latest` would load the checkpoint the learner saves at the end instead).
 */
async function rebuildLatest(file: string, run: string, role: string, spec?: string): Promise<{ version: string; recorded: string }> {
  return await withStore(file, async (s) => {
    const ctx = await loadRunContext(s, run);
    const name = ctx.started.payload.components.find((c) => c.role === role)!.name;
    let recorded = '';
    for await (const e of readEventsOfType(s, run, 'component.updated', { component: name })) recorded = e.payload.to_version;
    const swap = await resolveSwap(s, ctx, parseSwap(`${role}=${spec ?? `@${recorded}`}`));
    try {
      return { version: swap.component.version(), recorded };
    } finally {
      swap.dispose();
    }
  });
}

/** Decodes, edits and re-encodes one stored payload in place (the chain breaks too; a rebuild must not depend on verify to notice). */
function editPayload(raw: Database.Database, seq: number, edit: (p: Record<string, unknown>) => void): void {
  const row = raw.prepare('select payload from events where seq = ?').get(seq) as { payload: Uint8Array };
  const p = decodeStoredPayload(raw, row.payload) as Record<string, unknown>;
  edit(p);
  raw.prepare('update events set payload = ? where seq = ?').run(encodeValue(p), seq);
}

describe('minibatches recorded by reference', () => {
  const tmp = tempDir();
  const db = tmp.file('run.db');
  let run = '';
  before(async () => {
    run = (await recordReferenceTraining({ db, env: 'gridworld', episodes: 5, seed: 3 })).run;
  });
  after(() => tmp.cleanup());

  it('every update of the four learned components is stored as events, recipe, shapes and hash, with no tensors', async () => {
    await withStore(db, async (s) => {
      const recipes = new Set<string>();
      let updates = 0;
      for await (const e of readEventsOfType(s, run, 'component.updated')) {
        updates++;
        assert.equal(e.v, 2);
        assert.ok('recipe' in e.payload.batch, `update at seq ${e.seq} carries tensors`);
        if (!('recipe' in e.payload.batch)) continue;
        recipes.add(e.payload.batch.recipe);
        assert.match(e.payload.batch.derived_hash, /^[0-9a-f]{64}$/);
        assert.equal(e.payload.batch.shapes.inputs?.[0], e.payload.batch.events.length);
      }
      assert.ok(updates > 40);
      assert.deepEqual([...recipes].sort(), ['reference/actor@1', 'reference/critic@1', 'reference/reward@1', 'reference/world_model@1']);
      let targets = 0;
      for await (const e of readEventsOfType(s, run, 'component.targets')) {
        targets++;
        assert.equal(e.component, 'critic');
        assert.equal(e.payload.targets.shape[0], e.payload.events.length);
      }
      assert.equal(targets, 5, 'one component.targets per episode');
    });
  });

  for (const role of ROLES) {
    it(`rebuilding the ${role} from derived batches reaches its recorded parameters bit for bit`, async () => {
      const r = await rebuildLatest(db, run, role);
      assert.equal(r.version, r.recorded);
    });
  }

  it('@latest loads the checkpoint saved after the last update: no update is re-applied, so one tampered with is not read', async () => {
    const copy = tmp.file('latest-from-checkpoint.db');
    copyFileSync(db, copy);
    const raw = rawDatabase(copy);
    const finals = raw.prepare("select component, max(seq) as seq from events where type = 'checkpoint.saved' group by component").all() as { component: string; seq: number }[];
    const lastUpdate = raw.prepare("select max(seq) from events where type = 'component.updated' and component = ?").pluck();
    assert.equal(finals.length, 4);
    for (const f of finals) assert.ok(f.seq > (lastUpdate.get(f.component) as number), `${f.component} is checkpointed after its last update`);
    const seq = raw.prepare("select seq from events where type = 'component.targets' order by seq limit 1").pluck().get() as number;
    editPayload(raw, seq, (p) => {
      const t = p.targets as { data: Float32Array };
      for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! + 1;
    });
    raw.close();
    const r = await rebuildLatest(copy, run, 'critic', '@latest');
    assert.equal(r.version, r.recorded);
    await assert.rejects(rebuildLatest(copy, run, 'critic'), (e: Error & { code?: string }) => e.code === 'DERIVED_BATCH_MISMATCH');
  });

  it('--verify reproduces every decision, deriving every update it re-applies', async () => {
    const r = await withStore(db, (s) => verifyReplay(s, run));
    assert.ok(r.decisions > 100);
    assert.equal(r.reproduced, r.decisions, JSON.stringify(r.problems.slice(0, 2)));
  });

  it('a changed source env step makes the rebuild fail with DERIVED_BATCH_MISMATCH naming the update, before anything is applied', async () => {
    const copy = tmp.file('tampered-env.db');
    copyFileSync(db, copy);
    const first = await withStore(copy, async (s) => {
      for await (const e of readEventsOfType(s, run, 'component.updated', { component: 'reward', limit: 1 })) return e;
      throw new Error('no reward update');
    });
    const source = first.payload.batch.events[0]!;
    const raw = rawDatabase(copy);
    editPayload(raw, source, (p) => {
      p.reward = (p.reward as number) + 0.25;
    });
    raw.close();
    await assert.rejects(rebuildLatest(copy, run, 'reward'), (e: Error & { code?: string; details?: { seq?: number; update?: number } }) => {
      assert.equal(e.code, 'DERIVED_BATCH_MISMATCH');
      assert.equal(e.details?.seq, first.seq);
      assert.equal(e.details?.update, 1);
      assert.match(e.message, /reward: update 1 .*recipe reference\/reward@1.*hashes to [0-9a-f]{64}, the log recorded [0-9a-f]{64}/);
      return true;
    });
    await assert.rejects(
      withStore(copy, (s) => verifyReplay(s, run)),
      (e: Error & { code?: string }) => e.code === 'DERIVED_BATCH_MISMATCH',
    );
  });

  it("a changed TD(λ) target makes the critic's rebuild fail with DERIVED_BATCH_MISMATCH", async () => {
    const copy = tmp.file('tampered-targets.db');
    copyFileSync(db, copy);
    const raw = rawDatabase(copy);
    const seq = raw.prepare("select seq from events where type = 'component.targets' order by seq limit 1").pluck().get() as number;
    editPayload(raw, seq, (p) => {
      const t = p.targets as { data: Float32Array };
      for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! + 1;
    });
    raw.close();
    await assert.rejects(rebuildLatest(copy, run, 'critic'), (e: Error & { code?: string }) => e.code === 'DERIVED_BATCH_MISMATCH' && /rebuilding critic: update \d+/.test(e.message));
  });

  it('a batch naming an event that is not an env step fails with DERIVED_BATCH_MISMATCH, not a crash', async () => {
    const copy = tmp.file('bad-reference.db');
    copyFileSync(db, copy);
    const raw = rawDatabase(copy);
    const seq = raw.prepare("select seq from events where type = 'component.updated' and component = 'world_model' order by seq limit 1").pluck().get() as number;
    editPayload(raw, seq, (p) => {
      (p.batch as { events: number[] }).events[0] = 0; // run.started
    });
    raw.close();
    await assert.rejects(rebuildLatest(copy, run, 'world_model'), (e: Error & { code?: string }) => e.code === 'DERIVED_BATCH_MISMATCH' && /source event 0 is not an env step/.test(e.message));
  });
});

describe('a database recorded before batches by reference (fixture flightrec-0.1.0)', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('still reads its inline batches (component.updated v1, upcast) and rebuilds every learned component to its recorded version', async () => {
    const file = tmp.file('old.sqlite');
    copyFileSync(FIXTURE, file);
    const run = 'reference-gridworld';
    await withStore(file, async (s) => {
      let n = 0;
      for await (const e of readEventsOfType(s, run, 'component.updated')) {
        n++;
        assert.equal(e.v, 1);
        assert.ok('tensors' in e.payload.batch && e.payload.batch.tensors.inputs !== undefined);
      }
      assert.ok(n > 0);
    });
    for (const role of ROLES) {
      const r = await rebuildLatest(file, run, role);
      assert.equal(r.version, r.recorded, role);
    }
  });
});
