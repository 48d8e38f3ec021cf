import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { initNumericBackend } from '../../src/agent/backend/numeric-backend.js';
import { EventVersionError } from '../../src/events/event-errors.js';
import type { EventTypeDefinition } from '../../src/events/event-type.js';
import { Annotation } from '../../src/events/families/annotation-events.js';
import { eventType, upcastPayload, validatePayload, type RecordedEvent } from '../../src/events/registry.js';
import { Recorder } from '../../src/record/recorder.js';
import { readDecisions } from '../../src/store/decision-stream.js';
import { readEvents } from '../../src/store/event-reader.js';
import { exportRun } from '../../src/store/ndjson/export-run.js';
import { importNdjson } from '../../src/store/ndjson/import-ndjson.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { verifyReplay } from '../../replay/verify-replay.js';
import type { FixtureManifest } from '../fixtures/make-fixture.js';
import { tempDir } from '../helpers/temp-database.js';

/**
 * Databases written by released versions (test/fixtures, never regenerated) must stay readable,
 * verifiable and replayable. A database written by a *newer* version is refused with
 * SCHEMA_TOO_NEW: that is tested in test/record/recorder.test.ts ("Recorder: schema versions").
 */
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const fixtures = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.sqlite') && fs.existsSync(path.join(FIXTURES, f.replace(/\.sqlite$/, '.json'))))
  .sort();
const tmp = tempDir();
after(() => tmp.cleanup());

const hashesOf = (store: SqliteEventStore, run: string) =>
  store.sqlite.prepare('select hex(e.hash) from events e join runs r on r.pk = e.run_pk where r.id = ? order by e.seq').pluck().all(run) as string[];

async function exportTo(store: SqliteEventStore, run: string, file: string): Promise<void> {
  const out = fs.createWriteStream(file);
  await exportRun(store, run, out);
  out.end();
  await once(out, 'close');
}

it('there is at least one fixture', () => assert.ok(fixtures.length >= 1, `fixtures in ${FIXTURES}`));

for (const fixture of fixtures) {
  describe(`fixture ${fixture}`, () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture.replace(/\.sqlite$/, '.json')), 'utf8')) as FixtureManifest;
    let file = '';
    let store: SqliteEventStore;

    before(async () => {
      // Opening migrates: work on a copy, never on the fixture.
      file = tmp.file(fixture);
      fs.copyFileSync(path.join(FIXTURES, fixture), file);
      store = await SqliteEventStore.open(file, { mustExist: true });
    });
    after(async () => {
      await store.close();
    });

    it('opens (and migrates) with every run of its manifest', async () => {
      const runs = (await store.listRuns()).map((r) => [r.id, r.status, r.head_seq + 1]);
      assert.deepEqual(runs.sort(), manifest.runs.map((r) => [r.id, r.status, r.events]).sort());
    });

    it('every event of every run decodes (payloads upcast to the current schemas), in seq order', async () => {
      for (const r of manifest.runs) {
        let n = 0;
        for await (const e of readEvents(store, r.id)) {
          assert.equal(e.seq, n++);
          assert.ok(eventType(e.type).v >= e.v, `${r.id} seq ${e.seq}: a known type at a known version`);
        }
        assert.equal(n, r.events, `${r.id}: all ${r.events} events read`);
      }
      let decisions = 0;
      for await (const d of readDecisions(store, 'reference-gridworld')) if (d.chose !== null && d.outcome !== null) decisions++;
      assert.ok(decisions > 20, `the reference run reads back as decisions (${decisions})`);
    });

    it('every chain verifies, ending at the head hash of the manifest', async () => {
      for (const r of manifest.runs) {
        const report = await verifyChain(store, r.id, { run: r.id, events: r.events, head_hash: r.head_hash });
        assert.ok(report.ok, `${r.id}: ${report.problem}`);
        assert.equal(report.head_hash, r.head_hash);
      }
    });

    it('export then import into a fresh database reproduces every run bit for bit', async () => {
      const copy = await SqliteEventStore.open(tmp.file(`${fixture}-reimported.db`));
      try {
        for (const r of manifest.runs) {
          const ndjson = tmp.file(`${fixture}-${r.id}.ndjson`);
          await exportTo(store, r.id, ndjson);
          assert.deepEqual(await importNdjson(copy, ndjson), { run: r.id, events: r.events, skipped: 0 });
          assert.deepEqual(hashesOf(copy, r.id), hashesOf(store, r.id));
        }
      } finally {
        await copy.close();
      }
    });

    it('the reference run replays: every decision reproduced exactly on its recorded backend', async (t) => {
      let recorded: { name: string; tfjsVersion: string | null; backendVersion: string | null } | null | undefined;
      for await (const e of readEvents(store, 'reference-gridworld', { types: ['run.started'], limit: 1 })) recorded = (e as RecordedEvent<'run.started'>).payload.backend;
      assert.ok(recorded);
      const current = await initNumericBackend(recorded.name as 'wasm');
      // Exact reproduction is promised per backend, tfjs version and binary (e.g. wasm with or without SIMD).
      if (current.tfjsVersion !== recorded.tfjsVersion || current.backendVersion !== recorded.backendVersion) {
        t.skip(`recorded on ${recorded.name} ${recorded.tfjsVersion} ${recorded.backendVersion}, this machine has ${current.tfjsVersion} ${current.backendVersion}`);
        return;
      }
      for (const r of manifest.runs.filter((x) => x.replayable)) {
        const report = await verifyReplay(store, r.id);
        assert.ok(report.decisions > 20, `${r.id}: decisions replayed (${report.decisions})`);
        assert.equal(report.backend.same, true);
        assert.equal(report.reproduced, report.decisions, JSON.stringify(report.problems.slice(0, 2)));
      }
    });

    it('a run left recording resumes, and its chain continues', async () => {
      for (const r of manifest.runs.filter((x) => x.status === 'recording')) {
        const rec = await Recorder.open(file);
        const run = await rec.resumeRun(r.id);
        assert.equal(run.seq, r.events);
        run.append({ type: 'annotation', payload: { target: 0, label: 'resumed by a later version', note: null, author: null } });
        await rec.close();
        const report = await verifyChain(store, r.id, { run: r.id, events: r.events, head_hash: r.head_hash });
        assert.ok(report.ok, String(report.problem));
        assert.equal(report.events, r.events + 2, 'the old events, the new annotation, run.ended');
      }
    });
  });
}

/**
 * Old events are upcast on read and never rewritten. flightrec has no v2 of any type yet, and the
 * registry has no registration hook, so these tests stand in for a future version by patching the
 * definition object of `annotation` (the registry's own object) in this test process, and restore it.
 */
describe('events stored at an older schema version are upcast on read', () => {
  const AnnotationV1 = Annotation.payload;
  const AnnotationV2 = z.strictObject({ target: z.int().nonnegative(), label: z.string().min(1).max(200), note: z.string().nullable(), author: z.string().nullable(), tags: z.array(z.string()) });
  const AnnotationV3 = z.strictObject({ target: z.int().nonnegative(), title: z.string().min(1).max(200), note: z.string().nullable(), author: z.string().nullable(), tags: z.array(z.string()) });
  const toV2 = (p: unknown) => ({ ...(p as object), tags: (p as { author: string | null }).author === null ? [] : ['reviewed'] });
  const toV3 = (p: unknown) => {
    const { label, ...rest } = p as { label: string };
    return { ...rest, title: label };
  };

  async function asVersion(patch: Pick<EventTypeDefinition, 'v' | 'payload' | 'previous' | 'upcasters'>, fn: () => Promise<void> | void): Promise<void> {
    const def = Annotation as unknown as Record<string, unknown>;
    const saved = { v: def.v, payload: def.payload, previous: def.previous, upcasters: def.upcasters };
    Object.assign(def, patch);
    try {
      assert.equal(eventType('annotation').v, patch.v, 'the registry sees the patched definition');
      await fn();
    } finally {
      Object.assign(def, saved);
    }
  }

  it('a fixture annotation stored at v1 reads back as v2, verifies against its v1 schema, and exports as stored', async () => {
    const fixture = fixtures[0]!;
    const file = tmp.file(`upcast-${fixture}`);
    fs.copyFileSync(path.join(FIXTURES, fixture), file);
    const store = await SqliteEventStore.open(file);
    try {
      const before = hashesOf(store, 'user-annotated');
      await asVersion({ v: 2, payload: AnnotationV2, previous: { 1: AnnotationV1 }, upcasters: { 1: toV2 } }, async () => {
        const notes = [];
        for await (const e of readEvents(store, 'user-annotated', { types: ['annotation'] })) notes.push(e);
        assert.ok(notes.length >= 3);
        for (const e of notes) {
          assert.equal(e.v, 1, 'the stored version is reported');
          assert.doesNotThrow(() => AnnotationV2.parse(e.payload), 'the payload is the current (v2) shape');
        }
        assert.deepEqual((notes[0]!.payload as unknown as { tags: string[] }).tags, ['reviewed']);
        assert.deepEqual((notes.at(-1)!.payload as unknown as { tags: string[] }).tags, []);
        const report = await verifyChain(store, 'user-annotated');
        assert.ok(report.ok, `v1 payloads are checked against the v1 schema: ${report.problem}`);
        // Export writes the stored v1 payload (the chain hashes those bytes); import validates it as v1.
        const ndjson = tmp.file('upcast.ndjson');
        await exportTo(store, 'user-annotated', ndjson);
        const line = fs.readFileSync(ndjson, 'utf8').split('\n').find((l) => l.includes('"type":"annotation"'))!;
        const exported = JSON.parse(line) as { v: number; payload: Record<string, unknown> };
        assert.equal(exported.v, 1);
        assert.equal('tags' in exported.payload, false);
        const copy = await SqliteEventStore.open(tmp.file('upcast-copy.db'));
        try {
          await importNdjson(copy, ndjson);
          assert.deepEqual(hashesOf(copy, 'user-annotated'), before);
        } finally {
          await copy.close();
        }
      });
      assert.deepEqual(hashesOf(store, 'user-annotated'), before, 'stored bytes are never rewritten');
    } finally {
      await store.close();
    }
  });

  it('upcasters chain from any stored version to the current one, in order; a version without a path is refused', async () => {
    const v1 = { target: 3, label: 'odd', note: null, author: 'ann' };
    await asVersion({ v: 3, payload: AnnotationV3, previous: { 1: AnnotationV1, 2: AnnotationV2 }, upcasters: { 1: toV2, 2: toV3 } }, () => {
      assert.deepEqual(upcastPayload('annotation', 1, v1), { target: 3, title: 'odd', note: null, author: 'ann', tags: ['reviewed'] });
      assert.deepEqual(upcastPayload('annotation', 2, { ...v1, tags: ['x'] }), { target: 3, title: 'odd', note: null, author: 'ann', tags: ['x'] });
      const v3 = { target: 3, title: 'odd', note: null, author: null, tags: [] };
      assert.deepEqual(upcastPayload('annotation', 3, v3), v3);
      assert.doesNotThrow(() => validatePayload('annotation', 1, v1));
      assert.doesNotThrow(() => validatePayload('annotation', 2, { ...v1, tags: [] }));
      assert.throws(() => validatePayload('annotation', 1, { ...v1, tags: [] }), (e: unknown) => (e as { code?: string }).code === 'INVALID_EVENT', 'each version is checked against its own schema');
      assert.throws(() => upcastPayload('annotation', 4, v3), EventVersionError);
      assert.throws(() => validatePayload('annotation', 4, v3), EventVersionError);
    });
    await asVersion({ v: 3, payload: AnnotationV3, previous: { 1: AnnotationV1, 2: AnnotationV2 }, upcasters: { 2: toV3 } }, () => {
      assert.throws(() => upcastPayload('annotation', 1, v1), EventVersionError, 'no upcaster from v1: refused, not passed through');
    });
    assert.equal(eventType('annotation').v, 1, 'the definition is restored');
  });
});
