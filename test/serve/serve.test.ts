import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { FlightrecServer } from '../../src/serve/flightrec-server.js';
import { ServerAccess } from '../../src/serve/server-access.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { CLI } from '../cli/run-cli.js';
import { tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
let store: SqliteEventStore;
let server: FlightrecServer;

before(async () => {
  store = await SqliteEventStore.open(tmp.file('serve.db'));
  server = await FlightrecServer.start({ store, access: ServerAccess.resolve({ host: '127.0.0.1' }, {}), port: 0, maxLineBytes: 64 * 1024 });
});
after(async () => {
  await server.stop();
  await store.close();
  tmp.cleanup();
});

const runStarted = (name = 'r') => ({ type: 'run.started', t: 1, payload: { name, config: {}, seed: 1, env: null, components: [], backend: null, code_version: null, source_run: null, overrides: null } });
const annotation = (label: string, t = 2) => ({ type: 'annotation', t, payload: { target: 0, label, note: null, author: null } });
const ndjson = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

async function post(run: string, from: number | null, body: string | Buffer, headers: Record<string, string> = {}) {
  const q = from === null ? '' : `?from=${from}`;
  const r = await fetch(`${server.url}/v1/runs/${run}/events${q}`, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, json: (await r.json()) as Record<string, any> };
}
const get = async (path: string) => {
  const r = await fetch(`${server.url}${path}`);
  return { status: r.status, json: (await r.json()) as Record<string, any> };
};
const stored = async () => (await store.listRuns()).map((r) => [r.id, r.head_seq]);

test('a batch creates its run, a re-sent batch is stored once, a later batch continues it, run.ended ends it', async () => {
  const first = ndjson(runStarted('first'), annotation('a'));
  assert.deepEqual((await post('run-a', 0, first)).json, { run: 'run-a', from: 0, stored: 2, duplicates: 0, head: 1, status: 'recording' });
  assert.deepEqual((await post('run-a', 0, first)).json, { run: 'run-a', from: 0, stored: 0, duplicates: 2, head: 1, status: 'recording' });
  // Overlapping: one event already held, two new.
  const r = await post('run-a', 1, ndjson(annotation('a'), annotation('b'), { type: 'run.ended', t: 3, payload: { status: 'completed', reason: null, episodes: null, decisions: null } }));
  assert.deepEqual(r.json, { run: 'run-a', from: 1, stored: 2, duplicates: 1, head: 3, status: 'completed' });
  assert.equal((await post('run-a', 4, ndjson(annotation('late')))).status, 409);
  // A different event re-sent at a stored seq is another writer, not a duplicate.
  const clash = await post('run-a', 1, ndjson(annotation('not a')));
  assert.equal(clash.status, 409);
  assert.equal(clash.json.error.code, 'RUN_HAS_ANOTHER_WRITER');
  const events = await get('/v1/runs/run-a/events');
  assert.deepEqual(events.json.events.map((e: { payload: { label?: string } }) => e.payload.label ?? null), [null, 'a', 'b', null]);
  assert.equal((await get('/v1/runs/run-a')).json.status, 'completed');
  assert.equal((await get('/v1/runs')).json.runs[0].id, 'run-a');
});

test('gzip bodies are accepted', async () => {
  const r = await post('run-gz', 0, gzipSync(ndjson(runStarted(), annotation('z'))), { 'Content-Encoding': 'gzip' });
  assert.equal(r.status, 200);
  assert.equal(r.json.head, 1);
});

test('hostile bodies are refused with a 4xx naming line, field and value; nothing is stored; the server stays up', async () => {
  await post('run-h', 0, ndjson(runStarted()));
  const before = await stored();
  const cases: [string, number | null, string | Buffer, Record<string, string>, number, string | null][] = [
    ['garbage', 1, 'garbage\n', {}, 400, '(line)'],
    ['not an object', 1, '[1,2]\n', {}, 400, '(line)'],
    ['wrong type of a field', 1, ndjson({ ...annotation('x'), payload: { target: 'zero', label: 'x', note: null, author: null } }), {}, 400, 'payload.target'],
    ['unknown event type', 1, ndjson({ type: 'made.up', payload: {} }), {}, 400, 'type'],
    ['unknown key', 1, ndjson({ ...annotation('x'), extra: 1 }), {}, 400, 'extra'],
    ['bad tensor bytes', 1, ndjson({ type: 'critic.evaluated', decision: 0, payload: { states: { $tensor: { dtype: 'float32', shape: [2], b64: 'AAAA' } }, values: { $tensor: { dtype: 'float32', shape: [0], b64: '' } } } }), {}, 400, 'payload.states.$tensor.b64'],
    ['a bad line after good ones', 1, ndjson(annotation('ok'), annotation('ok2'), '{"type":'), {}, 400, '(line)'],
    ['truncated gzip', 1, gzipSync(ndjson(annotation('x'))).subarray(0, 12), { 'Content-Encoding': 'gzip' }, 400, 'body'],
    ['unknown encoding', 1, 'x', { 'Content-Encoding': 'br' }, 415, 'Content-Encoding'],
    ['huge line', 1, `${JSON.stringify({ ...annotation('x'), payload: { target: 0, label: 'x'.repeat(100_000), note: null, author: null } })}\n`, {}, 413, '(line)'],
    ['unknown run', 5, ndjson(annotation('x')), {}, 404, null],
    ['a gap', 7, ndjson(annotation('x')), {}, 409, 'from'],
    ['missing from', null, ndjson(annotation('x')), {}, 400, 'from'],
    ['empty body', 1, '\n\n', {}, 400, 'body'],
    ['run.started again', 1, ndjson(runStarted()), {}, 400, 'type'],
  ];
  for (const [what, from, body, headers, status, field] of cases) {
    const run = what === 'unknown run' ? 'no-such-run' : 'run-h';
    const r = await post(run, from, body, headers);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
    assert.equal(typeof r.json.error.message, 'string', what);
    if (field !== null) assert.equal(r.json.error.field, field, `${what}: ${JSON.stringify(r.json)}`);
  }
  const bad = await post('run-h', 1, ndjson(annotation('ok'), { ...annotation('x'), payload: { target: -1, label: 'x', note: null, author: null } }));
  assert.deepEqual([bad.json.error.line, bad.json.error.field, bad.json.error.received], [2, 'payload.target', '-1']);
  assert.deepEqual(await stored(), before);
  assert.equal((await post('run-h', 1, ndjson(annotation('still up')))).status, 200);
});

test('property: any bytes as a batch get a 4xx or a 200, never a 5xx, and a refused batch stores nothing', async () => {
  await post('run-p', 0, ndjson(runStarted()));
  const line = fc.oneof(
    fc.string(),
    fc.json(),
    fc.record({ type: fc.constantFrom('annotation', 'critic.evaluated', 'run.ended', 'nope'), t: fc.oneof(fc.integer(), fc.double()), payload: fc.jsonValue() }).map((o) => JSON.stringify(o)),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 5 }), fc.boolean(), async (lines, gzip) => {
      const head = (await store.getRun('run-p')).head_seq;
      const body = lines.join('\n');
      const r = await post('run-p', head + 1, gzip ? gzipSync(body) : body, gzip ? { 'Content-Encoding': 'gzip' } : {});
      assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} ${JSON.stringify(r.json)}`);
      if (r.status !== 200) assert.equal((await store.getRun('run-p')).head_seq, head);
    }),
    { numRuns: 150 },
  );
});

test('reads: a decision, filtered events, unknown runs and endpoints as JSON 404s', async () => {
  const obs = { $tensor: { dtype: 'float32', shape: [2], b64: Buffer.from(new Float32Array([1, Number.NaN]).buffer).toString('base64') } };
  await post('run-r', 0, ndjson(runStarted(), { type: 'decision.started', decision: 0, episode: 0, step: 0, payload: { observation: obs, rng_state: 'x', versions: {}, env_state: null } }));
  const d = await get('/v1/runs/run-r/decisions/0');
  assert.equal(d.status, 200, JSON.stringify(d.json));
  assert.deepEqual(d.json.observation.tensor.data, [1, 'NaN']);
  const page = await get('/v1/runs/run-r/events?type=decision.started');
  assert.deepEqual(page.json.events.map((e: { seq: number }) => e.seq), [1]);
  assert.deepEqual(page.json.events[0].payload.observation, obs);
  assert.equal((await get('/v1/runs/nope')).status, 404);
  assert.equal((await get('/v2/whatever')).status, 404);
  assert.equal((await get('/v1/runs/%E0%A4%A')).status, 400);
  assert.equal((await get('/v1/runs/run-r/events?limit=-3')).status, 400);
});

test('past the bounded queue the server answers 429 with Retry-After; with a token, 401 without it', async () => {
  const dir = tempDir();
  const s2 = await SqliteEventStore.open(dir.file('q.db'));
  const busy = await FlightrecServer.start({ store: s2, access: ServerAccess.resolve({ host: '127.0.0.1', token: 'sesame-sesame' }, {}), port: 0, maxQueue: 1 });
  try {
    const auth = { Authorization: 'Bearer sesame-sesame' };
    assert.equal((await fetch(`${busy.url}/v1/runs`)).status, 401);
    assert.equal((await fetch(`${busy.url}/v1/runs`)).headers.get('www-authenticate'), 'Bearer realm="flightrec"');
    // One request holds the only place while its body is still arriving.
    const { request } = await import('node:http');
    const slow = request(`${busy.url}/v1/runs/q/events?from=0`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-ndjson' } });
    slow.write(JSON.stringify(runStarted()));
    await new Promise((r) => setTimeout(r, 200));
    const refused = await fetch(`${busy.url}/v1/runs/q/events?from=0`, { method: 'POST', body: ndjson(runStarted()), headers: auth });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    slow.end('\n');
    const [res] = (await once(slow, 'response')) as [import('node:http').IncomingMessage];
    assert.equal(res.statusCode, 200);
    res.resume();
  } finally {
    await busy.stop();
    await s2.close();
    dir.cleanup();
  }
});

test('flightrec serve: refuses a non-loopback host without a token (exit 2); SIGTERM drains and exits 0, the run left resumable', async () => {
  const dir = tempDir();
  try {
    const refused = spawn(process.execPath, [CLI, '--db', dir.file('x.db'), 'serve', '--host', '0.0.0.0', '--port', '0'], { env: { ...process.env, FLIGHTREC_TOKEN: '' } });
    let err = '';
    refused.stderr.on('data', (c) => (err += c));
    const [code] = (await once(refused, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(err, /--token/);

    const child = spawn(process.execPath, [CLI, '--db', dir.file('d.db'), '--json', 'serve', '--port', '0']);
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const url = (JSON.parse(line.toString()) as { url: string }).url;
    // A batch still arriving when SIGTERM comes is answered and stored before the server exits.
    const { request } = await import('node:http');
    const slow = request(`${url}/v1/runs/d/events?from=0`, { method: 'POST' });
    slow.write(ndjson(runStarted()));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    slow.end(ndjson(...Array.from({ length: 300 }, (_, i) => annotation(`n${i}`))));
    const [res] = (await once(slow, 'response')) as [import('node:http').IncomingMessage];
    res.resume();
    const [exit] = (await once(child, 'exit')) as [number];
    assert.equal(res.statusCode, 200);
    assert.equal(exit, 0);
    const check = await SqliteEventStore.open(dir.file('d.db'));
    const run = await check.getRun('d');
    assert.deepEqual([run.head_seq, run.status], [300, 'recording']);
    await check.close();
  } finally {
    dir.cleanup();
  }
});
