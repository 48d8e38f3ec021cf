import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { z } from 'zod';
import { recordYourAgent } from '../../examples/record-your-agent.js';
import { defineEventType } from '../../src/events/event-type.js';
import { EventValidationError, UnknownEventTypeError } from '../../src/events/event-errors.js';
import { isKnownEventType, knownEventTypes, parseEventInput, registerEventTypes } from '../../src/events/registry.js';
import { f32, Tensor } from '../../src/events/tensor.js';
import { Recorder } from '../../src/record/recorder.js';
import { readEvents } from '../../src/store/event-reader.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { CLI, flightrec, jsonLines } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE_EVENTS = fileURLToPath(new URL('../../examples/tabular-agent.js', import.meta.url));

const ProbeMeasured = defineEventType({
  type: 'probe.measured',
  payload: z.strictObject({ k: z.int(), x: Tensor, label: z.string() }),
});

describe('user event families: registration', () => {
  it('an unregistered type is refused with UNKNOWN_EVENT_TYPE, a registered one is validated field by field', () => {
    const event = { type: 'probe.measured', id: 'p0', payload: { k: 1, x: f32([1, 2]), label: 'a' } };
    assert.throws(() => parseEventInput(event), (e: unknown) => e instanceof UnknownEventTypeError && e.code === 'UNKNOWN_EVENT_TYPE');
    registerEventTypes([ProbeMeasured]);
    assert.ok(isKnownEventType('probe.measured'));
    assert.equal(parseEventInput(event).type, 'probe.measured');
    assert.throws(
      () => parseEventInput({ ...event, payload: { ...event.payload, k: 1.5 } }),
      (e: unknown) => e instanceof EventValidationError && e.issues.some((i) => i.path === 'payload.k' && /1\.5/.test(i.received)),
    );
    registerEventTypes([ProbeMeasured]); // the same definition again: nothing happens
    assert.equal(knownEventTypes().filter((d) => d.type === 'probe.measured').length, 1);
  });

  it('refuses built-in families, a second definition of a name, bad names, and registers nothing of a refused batch', () => {
    const ok = defineEventType({ type: 'probe.other', payload: z.strictObject({}) });
    const cases: [unknown, RegExp][] = [
      [defineEventType({ type: 'planner.mine', payload: z.strictObject({}) }), /built-in family "planner"/],
      [defineEventType({ type: 'probe.measured', payload: z.strictObject({}) }), /already registered with another definition/],
      [defineEventType({ type: 'Probe.Bad', payload: z.strictObject({}) }), /not a type name/],
      [defineEventType({ type: 'nodot', payload: z.strictObject({}) }), /not a type name/],
      [{ ...ok, type: 'probe.nozod', payload: { parse: 1 } }, /payload .* is not a zod schema/],
    ];
    for (const [bad, why] of cases) {
      assert.throws(() => registerEventTypes([ok, bad as typeof ok]), (e: unknown) => (e as { code?: string }).code === 'INVALID_INPUT' && why.test((e as Error).message), String(why));
      assert.equal(isKnownEventType('probe.other'), false, 'a refused batch registers nothing');
    }
  });

  it('stores and reads back any valid payload of a registered type bit for bit (property)', async () => {
    registerEventTypes([ProbeMeasured]);
    const tmp = tempDir();
    try {
      const payload = fc.record({
        k: fc.integer(),
        x: fc.array(fc.float({ noDefaultInfinity: false }), { maxLength: 8 }).map((xs) => f32(xs)),
        label: fc.string({ maxLength: 12 }),
      });
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(payload, { minLength: 1, maxLength: 5 }), async (payloads) => {
          const file = tmp.file(`p${n++}.db`);
          const rec = await Recorder.open(file);
          const run = await rec.startRun({ name: 'probes' });
          payloads.forEach((p, i) => run.append({ type: 'probe.measured', id: `e${i}`, payload: p }));
          await run.end();
          await rec.close();
          const store = await SqliteEventStore.open(file, { mustExist: true });
          try {
            const back = [];
            for await (const e of readEvents(store, run.id, { types: ['probe.measured'] })) back.push(e.payload as unknown as (typeof payloads)[number]);
            assert.equal(back.length, payloads.length);
            back.forEach((b, i) => {
              const want = payloads[i]!;
              assert.equal(b.k, want.k);
              assert.equal(b.label, want.label);
              assert.deepEqual(Buffer.from(b.x.data.buffer, b.x.data.byteOffset, b.x.data.byteLength), Buffer.from(want.x.data.buffer, want.x.data.byteOffset, want.x.data.byteLength));
            });
          } finally {
            await store.close();
          }
        }),
        { numRuns: 25 },
      );
    } finally {
      tmp.cleanup();
    }
  });
});

describe('user event families from the CLI (the README example agent records lookahead.drew)', () => {
  const tmp = tempDir();
  const db = tmp.file('mine.db');
  let run = '';
  before(async () => {
    run = await recordYourAgent(db, 2);
  });
  after(() => tmp.cleanup());

  it('`events --type` knows the family only when given --events, and lists its events then', () => {
    const refused = flightrec(ROOT, 'events', run, '--type', 'lookahead.drew', '--db', db);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /unknown event type "lookahead\.drew"/);
    const listed = flightrec(ROOT, 'events', run, '--type', 'lookahead.drew', '--events', EXAMPLE_EVENTS, '--db', db, '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const events = jsonLines(listed.stdout) as { type: string; component: string; payload: { explored: boolean; epsilon: number } }[];
    assert.ok(events.length > 5);
    assert.ok(events.every((e) => e.type === 'lookahead.drew' && e.component === 'lookahead' && e.payload.epsilon === 0.2));
  });

  it('`show` summarises the family in a decision, and says so when it is not registered', () => {
    const shown = flightrec(ROOT, 'show', run, '3', '--events', EXAMPLE_EVENTS, '--db', db);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /other events \(registered families\)\n {2}seq \d+ {2}lookahead\.drew {2}lookahead@eps0\.2-g0\.95 {2}draw=[\d.e-]+ epsilon=0\.2 explored=(true|false) greedy=\d/);
    const bare = flightrec(ROOT, 'show', run, '3', '--db', db);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /lookahead\.drew \(unregistered: pass --events <module>\)/);
  });

  it('export keeps the family; import refuses it unregistered and takes it with FLIGHTREC_EVENTS; verify checks its payloads', () => {
    const file = tmp.file('mine.ndjson');
    const exported = flightrec(ROOT, 'export', run, '--out', file, '--db', db);
    assert.equal(exported.code, 0, exported.stderr);
    const other = tmp.file('other.db');
    const refused = flightrec(ROOT, 'import', file, '--db', other);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /lookahead\.drew/);
    const imported = spawnSync(process.execPath, [CLI, 'import', file, '--db', other], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FLIGHTREC_EVENTS: EXAMPLE_EVENTS } });
    assert.equal(imported.status, 0, imported.stderr);
    const checked = flightrec(ROOT, 'verify', run, '--events', EXAMPLE_EVENTS, '--db', other);
    assert.equal(checked.code, 0, checked.stderr);
    assert.doesNotMatch(checked.stdout, /not schema-checked/);
    const unchecked = flightrec(ROOT, 'verify', run, '--db', other);
    assert.equal(unchecked.code, 0, unchecked.stderr);
    assert.match(unchecked.stdout, /payloads of lookahead\.drew not schema-checked/);
  });

  it('a module that exports no eventTypes is refused naming --events and the file', () => {
    const r = flightrec(ROOT, 'runs', '--events', fileURLToPath(new URL('../../examples/record-your-agent.js', import.meta.url)), '--db', db);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--events .*record-your-agent\.js: the module exports no eventTypes array/);
  });
});
