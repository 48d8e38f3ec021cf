import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { recordYourAgent } from '../../examples/record-your-agent.js';
import { BeamPlanner } from '../../src/agent/reference/beam-planner.js';
import { readSealFile } from '../../src/cli/commands/seal-file.js';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { loadEventTypeModules } from '../../src/events/load-event-type-modules.js';
import { checkProof } from '../../src/seal/check-proof.js';
import { parseProofFile, parseSealNote } from '../../src/seal/proof-file.js';
import { checkpointRun, proveInclusion } from '../../src/seal/prove-run.js';
import { loadKey, signNote } from '../../src/seal/signed-note.js';
import { FlightrecServer } from '../../src/serve/flightrec-server.js';
import { ServerAccess } from '../../src/serve/server-access.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { buildLiveAgent } from '../../replay/build-agent.js';
import { parseSettings, parseSwap } from '../../replay/component-spec.js';
import { loadAgentFactory } from '../../replay/load-agent-factory.js';
import { plannerWith } from '../../replay/planner-with.js';
import { resolveSwap } from '../../replay/resolve-swap.js';
import { loadRunContext } from '../../replay/run-context.js';
import { CLI } from '../cli/run-cli.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';

/**
 * Hostile input on every door that takes outside input besides NDJSON import (hostile-input.test.ts):
 * seal and proof files, swap specs, `--set` values, user modules (agent factories, swapped-in
 * components, event families) and `serve`'s query strings and bodies. For each: no exception
 * but a FlightrecError (the CLI's exit 2, a 4xx over HTTP), a message naming what was wrong, and
 * the database unchanged. Most cases run in process (fast); a handful per door go through the CLI.
 */
const tmp = tempDir();
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const db = tmp.file('doors.db');
let run = '';
let store: SqliteEventStore;
let sealText = '';
let proofText = '';
let pubPem = '';
let before_: string;
let modules = 0;

/** Every table's row count and every run's head and status: what "nothing written" is checked against. */
function snapshot(file = db): string {
  const raw = rawDatabase(file);
  try {
    const tables = raw.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
    const counts = tables.map((t) => `${t}=${raw.prepare(`select count(*) from "${t}"`).pluck().get() as number}`);
    const runs = raw.prepare('select id, status, head_seq from runs order by id').all();
    return JSON.stringify({ counts, runs });
  } finally {
    raw.close();
  }
}

/** Runs `f`; it may succeed, or throw a FlightrecError whose message matches `names`; anything else fails the property. */
async function refusedOrFine<T>(what: string, f: () => Promise<T> | T, names?: RegExp): Promise<T | FlightrecError> {
  try {
    return await f();
  } catch (e) {
    assert.ok(e instanceof FlightrecError, `${what}: a FlightrecError, got ${e instanceof Error ? e.stack : String(e)}`);
    if (names !== undefined) assert.match(e.message, names, what);
    return e;
  }
}

function moduleFile(source: string | Buffer, ext = 'mjs'): string {
  const file = tmp.file(`m${modules++}.${ext}`);
  writeFileSync(file, source);
  return file;
}

/** Byte-level mutations of a text: one byte replaced, inserted or deleted, or the text cut. */
const mutation = (length: () => number) =>
  fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), how: fc.constantFrom('replace', 'insert', 'delete', 'cut') }).map((m) => ({ ...m, at: m.at % Math.max(1, length()) }));
function mutate(text: string, m: { at: number; byte: number; how: string }): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (m.how === 'replace') return Buffer.concat([b.subarray(0, m.at), Buffer.from([m.byte === b[m.at] ? m.byte ^ 1 : m.byte]), b.subarray(m.at + 1)]);
  if (m.how === 'insert') return Buffer.concat([b.subarray(0, m.at), Buffer.from([m.byte]), b.subarray(m.at)]);
  if (m.how === 'delete') return Buffer.concat([b.subarray(0, m.at), b.subarray(m.at + 1)]);
  return b.subarray(0, m.at);
}

/** Junk a module can export: any value fast-check renders as JS, and hand-made hostile objects. */
const JUNK_SOURCES = [
  'null',
  'undefined',
  '42',
  '"module:x"',
  'function () {}',
  '() => { throw null; }',
  '() => { throw 7; }',
  '() => null',
  '() => ({})',
  '() => ({ components: 5 })',
  '() => ({ components: {}, dispose: 1 })',
  '() => ({ components: { worldModel: null, reward: 1, critic: {}, actor: [], planner: "p" }, dispose() {} })',
  '() => ({ components: { worldModel: { name: 5, version: 1 }, reward: {}, critic: {}, actor: {}, planner: {} }, dispose() {} })',
  'async () => { throw undefined; }',
  '{ create: 5 }',
  '{ create() { return null; } }',
  '{ create() { throw Symbol("no"); } }',
  '{ get create() { throw null; } }',
  'new Proxy({}, { get() { throw 1; } })',
  '{ role: "critic", name: "c", version: () => "v", evaluate: 1 }',
  '{ role: "critic", name: "", version: 5 }',
  '{ get role() { throw null; } }',
  'Object.create(null)',
  '[1, 2, 3]',
  'Symbol("x")',
  '10n',
];
const junk = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...JUNK_SOURCES) },
  { weight: 2, arbitrary: fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withNullPrototype: true, maxDepth: 3 }).map((v) => fc.stringify(v)) },
);
/** A module around a junk value: as the default export, as a named export, or thrown while loading. */
const junkModule = (names: readonly string[]) =>
  fc.record({ value: junk, as: fc.constantFrom('default', 'throw', ...names) }).map(({ value, as }) =>
    as === 'default' ? `export default ${value};\n` : as === 'throw' ? `throw ${value};\n` : `export const ${as} = ${value};\n`,
  );
/** Bytes that are not a module: random bytes, or a module cut short. */
const notAModule = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.nat(60).map((n) => Buffer.from('export default { create() { return { components: {} }; } };'.slice(0, n + 1))),
);

before(async () => {
  run = await recordYourAgent(db, 3);
  store = await SqliteEventStore.open(db, { readonly: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  pubPem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  writeFileSync(tmp.file('seal.pub'), pubPem);
  const { text } = await checkpointRun(store, run);
  sealText = signNote(text, 'flightrec', privateKey);
  writeFileSync(tmp.file('good.seal'), sealText);
  proofText = await proveInclusion(store, parseSealNote(sealText), 5);
  writeFileSync(tmp.file('good.proof'), proofText);
  before_ = snapshot();
});
after(async () => {
  await store?.close();
  tmp.cleanup();
});

describe('hostile input on the other doors (in process)', () => {
  it('seal files: any mutation of a signed or a JSON seal reads as a seal or is refused naming the file', async () => {
    const json = `${JSON.stringify({ run, events: 10, head_hash: 'a'.repeat(64) }, null, 2)}\n`;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(sealText, json), mutation(() => sealText.length), async (base, m) => {
        const file = tmp.file(`s${n++}.seal`);
        writeFileSync(file, mutate(base, m));
        await refusedOrFine('seal', () => readSealFile(file), new RegExp(`seal file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      }),
      { numRuns: 150, seed: 11 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 80 })), async (text) => {
        const file = tmp.file(`s${n++}.seal`);
        writeFileSync(file, text);
        await refusedOrFine('seal', () => readSealFile(file), /seal file /);
      }),
      { numRuns: 100, seed: 12 },
    );
  });

  it('proof files: any mutation parses and checks to ok or a problem, or is refused as INVALID_SEAL; only the original holds', async () => {
    const key = loadKey(pubPem, 'public', 'seal.pub');
    assert.equal(checkProof(parseProofFile(proofText), key).ok, true);
    await fc.assert(
      fc.asyncProperty(mutation(() => proofText.length), async (m) => {
        const text = mutate(proofText, m).toString('utf8');
        const r = await refusedOrFine('proof', () => checkProof(parseProofFile(text), key));
        if (r instanceof FlightrecError) assert.equal(r.code, 'INVALID_SEAL', r.message);
        else if (text !== proofText) assert.equal(r.ok, false, `a changed proof holds: ${JSON.stringify(m)}`);
      }),
      { numRuns: 250, seed: 13 },
    );
    // Lines shuffled, duplicated or replaced by anything.
    const lines = proofText.split('\n');
    await fc.assert(
      fc.asyncProperty(fc.nat(lines.length - 1), fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', 'index 99999999999999999', 'index -1', 'previous ====', '\u2014 flightrec AAAA')), async (at, line) => {
        const ls = [...lines];
        ls[at] = line;
        const r = await refusedOrFine('proof line', () => checkProof(parseProofFile(ls.join('\n')), key));
        if (!(r instanceof FlightrecError) && ls.join('\n') !== proofText) assert.equal(r.ok, false);
      }),
      { numRuns: 150, seed: 14 },
    );
  });

  it('swap specs: any text parses to a spec or is refused naming --swap; resolving hostile sources refuses without writing', async () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.tuple(fc.constantFrom('critic', 'reward', 'planner', 'world-model', 'actor', 'constructor', '__proto__', ' critic ', ''), fc.constantFrom('=', '=='), fc.string({ maxLength: 20 })).map((p) => p.join(''))), (text) => {
        try {
          const s = parseSwap(text);
          assert.ok(['world_model', 'reward', 'critic', 'actor', 'planner'].includes(s.role));
        } catch (e) {
          assert.ok(e instanceof FlightrecError && e.code === 'INVALID_INPUT' && e.details.field === '--swap', String(e));
          assert.match(e.message, /invalid --swap/);
        }
      }),
      { numRuns: 400, seed: 15 },
    );
    const ctx = await loadRunContext(store, run);
    mkdirSync(tmp.file('a-directory'), { recursive: true });
    const sources = fc.oneof(
      fc.constantFrom(`file:${tmp.file('a-directory')}`, `file:${tmp.file('nope.ckpt')}`, 'file:bad\u0000path', `module:${tmp.file('a-directory')}`, 'module:bad\u0000path', '@no-such-version', 'no-such-run@latest', '@latest', 'python:'),
      notAModule.map((b) => `file:${moduleFile(b, 'ckpt')}`),
      notAModule.map((b) => `module:${moduleFile(b)}`),
      junkModule(['component', 'critic', 'reward']).map((src) => `module:${moduleFile(src)}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('critic', 'reward', 'planner'), sources, async (role, source) => {
        const r = await refusedOrFine('resolveSwap', async () => (await resolveSwap(store, ctx, parseSwap(`${role}=${source}`))).dispose());
        void r;
      }),
      { numRuns: 90, seed: 16 },
    );
    assert.equal(snapshot(), before_);
  });

  it('--set values: parsed settings reach the planner or are refused naming the setting; none is dropped silently', () => {
    const planner = new BeamPlanner('p', 4, { horizon: 2, beam: 4, gamma: 0.9, epsilonStart: 0, epsilonDecay: 1, epsilonMin: 0 });
    const key = fc.oneof(fc.constantFrom('horizon', 'beam', 'gamma', 'epsilonMin', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.stringMatching(/^[A-Za-z_]{1,10}$/));
    const value = fc.oneof(fc.constantFrom('true', 'false', '1e400', '-0', 'NaN', '0x10', '1_0', ' 3', '2 ', ''), fc.double().map(String), fc.integer({ min: -5, max: 40 }).map(String), fc.string({ maxLength: 8 }));
    const setting = fc.tuple(fc.constantFrom('planner', 'critic', 'Planner', 'planner.x'), key, value).map(([c, k, v]) => `${c}.${k}=${v}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(setting, fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 3 }), (texts) => {
        let p;
        try {
          p = plannerWith(planner, parseSettings(texts));
        } catch (e) {
          assert.ok(e instanceof FlightrecError && e.code === 'INVALID_INPUT', String(e));
          assert.match(e.message, /--set/);
          return;
        }
        // Accepted: every setting given is now the planner's.
        const got = (p as BeamPlanner).settings();
        for (const t of texts) {
          const m = /^planner\.([A-Za-z_]+)=(.+)$/.exec(t.trim())!;
          const v = m[2] === 'true' ? true : m[2] === 'false' ? false : Number(m[2]);
          if (texts.filter((x) => x.trim().startsWith(`planner.${m[1]}=`)).at(-1) === t) assert.ok(Object.is(got[m[1]!], v), `${t} → ${JSON.stringify(got)}`);
        }
      }),
      { numRuns: 400, seed: 17 },
    );
  });

  it('agent factory modules: random bytes or junk exports are refused naming the module, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(notAModule, junkModule(['agentFactory'])), async (src) => {
        const file = moduleFile(src);
        await refusedOrFine('factory module', async () => {
          const ctx = await loadRunContext(store, run, { agent: `module:${file}` });
          (await buildLiveAgent(ctx)).dispose();
        });
      }),
      { numRuns: 120, seed: 18 },
    );
    assert.equal(snapshot(), before_);
  });

  it('event-family modules (--events): random bytes or a junk eventTypes are refused naming --events, never a crash', async () => {
    const defs = fc.oneof(
      junk,
      fc.array(junk, { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
      fc.record({ type: fc.oneof(fc.constantFrom('"my.thing"', '"run.fake"', '10n', 'null', '"x"'), junk), v: fc.oneof(fc.constant('1'), junk), payload: fc.constantFrom('5', 'null', '{}'), inputs: junk }).map((o) => `[{ ${Object.entries(o).map(([k, v]) => `${k}: ${v}`).join(', ')} }]`),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(notAModule, defs.map((d) => `export const eventTypes = ${d};\n`), junkModule(['eventTypes'])), async (src) => {
        const file = moduleFile(src);
        await refusedOrFine('--events', () => loadEventTypeModules([file], ROOT), /--events|event type|module/);
      }),
      { numRuns: 150, seed: 19 },
    );
  });

  it('serve: any method, path, query string and body gets a 2xx or a 4xx with a message, and reads store nothing', async () => {
    const file = tmp.file('serve.db');
    writeFileSync(file, readFileSync(db));
    const s = await SqliteEventStore.open(file);
    const server = await FlightrecServer.start({ store: s, access: ServerAccess.resolve({ host: '127.0.0.1' }, {}), port: 0, maxLineBytes: 64 * 1024 });
    const initial = snapshot(file);
    try {
      const part = fc.oneof(fc.constantFrom(run, 'nope', '%', '%E0%A4%A', '..', '0', '-1', '99999999999999999', 'events', 'decisions', '%00'), fc.string({ maxLength: 10 }).map(encodeURIComponent));
      const param = fc.tuple(fc.constantFrom('type', 'limit', 'after', 'episode', 'decision', 'component', 'from', 'x'), fc.oneof(fc.constantFrom('', '-1', '1e3', '0x1', 'decision.started,nope', 'critic.evaluated', '999999999999999999', '1.5', 'NaN'), fc.string({ maxLength: 8 })));
      const request = fc.record({
        method: fc.constantFrom('GET', 'HEAD', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
        path: fc.oneof(fc.array(part, { maxLength: 5 }).map((ps) => `/v1/${ps.join('/')}`), fc.constantFrom(`/v1/runs/${run}/events`, `/v1/runs/${run}/decisions`, '/v1/health', '/v1/runs', '/')),
        query: fc.array(param, { maxLength: 4 }),
        body: fc.option(fc.oneof(fc.string({ maxLength: 60 }), fc.json()), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ method, path, query, body }) => {
          const q = query.length === 0 ? '' : `?${query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
          const r = await fetch(`${server.url}${path}${q}`, { method, ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }) });
          const text = await r.text();
          assert.ok(r.status < 500, `${method} ${path}${q}: ${r.status} ${text}`);
          if (r.status >= 400 && method !== 'HEAD') {
            const err = (JSON.parse(text) as { error: { code: string; message: string } }).error;
            assert.ok(typeof err.code === 'string' && err.message.length > 0, text);
          }
        }),
        { numRuns: 200, seed: 20 },
      );
      // POST bodies to an existing run with hostile query strings: refused or stored, never a 5xx.
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.constantFrom('', '-1', '1.5', '0x1', ' 1', '99999999999999999', 'NaN'), fc.string({ maxLength: 6 })), fc.oneof(fc.string({ maxLength: 60 }), fc.json()), async (from, body) => {
          const r = await fetch(`${server.url}/v1/runs/${run}/events?from=${encodeURIComponent(from)}`, { method: 'POST', body });
          const text = await r.text();
          assert.ok(r.status >= 400 && r.status < 500, `from=${from}: ${r.status} ${text}`);
          assert.match((JSON.parse(text) as { error: { message: string } }).error.message, /\S/);
        }),
        { numRuns: 100, seed: 21 },
      );
    } finally {
      await server.stop();
      await s.close();
    }
    assert.equal(snapshot(file), initial);
  });
});

describe('hostile input on the other doors (through the CLI)', () => {
  it('each door refuses with exit 2, a message naming what was wrong, no stack trace, and the database unchanged', async () => {
    const write = (name: string, text: string | Buffer) => {
      writeFileSync(tmp.file(name), text);
      return tmp.file(name);
    };
    const badSeal = write('bad.seal', sealText.replace(/^(flightrec\/run\/\S+\n)\d+/, '$1007'));
    const badJsonSeal = write('bad.seal.json', JSON.stringify({ run, events: -1, head_hash: 'x' }));
    const badProof = write('bad.proof', proofText.replace(/^index \d+/m, 'index 05'));
    const bytes = write('bytes.mjs', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0xff, 0x10]));
    const junkFactory = write('junk-factory.mjs', 'export default { create() { return { components: 5 }; } };\n');
    const throwsNull = write('throws-null.mjs', 'throw null;\n');
    const junkEvents = write('junk-events.mjs', 'export const eventTypes = [{ type: 10n }];\n');
    const cases: [string, string[], RegExp][] = [
      ['seal: a number with a leading zero', ['verify', run, '--seal', badSeal], /INVALID_SEAL.*events line/],
      ['JSON seal: negative events', ['verify', run, '--seal', badJsonSeal], /seal file .*events/],
      ['proof: index with a leading zero', ['verify-proof', badProof, '--key', tmp.file('seal.pub')], /INVALID_SEAL.*index line/],
      ['swap: unknown role', ['replay', run, '--swap', 'judge=@latest'], /--swap .*unknown role "judge"/],
      ['swap: a directory as checkpoint', ['replay', run, '--swap', `critic=file:${tmp.file('a-directory')}`], /checkpoint file .*a-directory/],
      ['swap: random bytes as module', ['replay', run, '--swap', `critic=module:${bytes}`], /module .*bytes\.mjs failed to load/],
      ['set: __proto__', ['replay', run, '--set', 'planner.__proto__=1'], /--set "planner\.__proto__=1": "__proto__" is not a setting name/],
      ['set: not a number', ['replay', run, '--set', 'planner.horizon=deep'], /--set .*"deep" is not a number/],
      ['agent: a factory returning junk', ['replay', run, '--verify', '--agent', `module:${junkFactory}`], /junk-factory\.mjs.*components/],
      ['agent: a module that throws null', ['replay', run, '--verify', '--agent', `module:${throwsNull}`], /throws-null\.mjs failed to load: null/],
      ['events: random bytes', ['--events', bytes, 'runs'], /bytes\.mjs failed to load/],
      ['events: a junk definition', ['--events', junkEvents, 'runs'], /event type .*type 10n/],
    ];
    const runCli = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [CLI, '--db', db, ...args], { cwd: ROOT });
        let stderr = '';
        p.stderr.on('data', (c) => (stderr += c));
        p.stdout.resume();
        p.on('close', (code) => resolve({ code, stderr }));
      });
    for (let i = 0; i < cases.length; i += 2) {
      await Promise.all(
        cases.slice(i, i + 2).map(async ([what, args, pattern]) => {
          const r = await runCli(args);
          assert.equal(r.code, 2, `${what}: exit 2; stderr: ${r.stderr.slice(0, 500)}`);
          assert.match(r.stderr, /^flightrec: error \[[A-Z_]+\]: /, what);
          assert.match(r.stderr, pattern, what);
          assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
        }),
      );
    }
    assert.equal(snapshot(), before_);
  });
});
