import fc from 'fast-check';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { EventValidationError, UnknownEventTypeError } from '../../src/events/event-errors.js';
import { decodeValue, encodeValue } from '../../src/events/payload-codec.js';
import { parseEventInput } from '../../src/events/registry.js';
import { tensorFromBytes } from '../../src/events/tensor-codec.js';
import { f32, type Dtype } from '../../src/events/tensor.js';
import { Recorder } from '../../src/record/recorder.js';
import { exportRun } from '../../src/store/ndjson/export-run.js';
import { importNdjson } from '../../src/store/ndjson/import-ndjson.js';
import { NdjsonImportError } from '../../src/store/ndjson/ndjson-import-error.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { recordFixture } from '../cli/record-fixture.js';
import { CLI } from '../cli/run-cli.js';
import { annotation, componentUpdated, criticEvaluated, envStepped } from '../helpers/sample-events.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';

/**
 * Hostile input: NDJSON files and decoder inputs that are malformed, mistyped, huge, truncated, not
 * UTF-8 or nested without end. Every case must end in a clear error (for import: naming the line
 * and the field) with nothing recorded, or, where the input is a valid file after all (a file cut
 * exactly at a line end is a shorter export), in an import that stores exactly what the source had.
 * Nothing may crash the process.
 */
const tmp = tempDir();
after(() => tmp.cleanup());

const RUN = 'victim';
const IMPORT_CASES = 400;
let lines: string[] = []; // the exported file: header, then one line per event (the trailer apart)
let trailer = ''; // the export's last line: event count and head hash
let sourceHashes: string[] = [];
let files = 0;
const counts = new Map<string, number>();
const count = (what: string, n = 1) => counts.set(what, (counts.get(what) ?? 0) + n);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

before(async () => {
  const db = tmp.file('source.db');
  await recordFixture(db, RUN, { decisions: 4 });
  const store = await SqliteEventStore.open(db);
  try {
    const file = tmp.file('source.ndjson');
    const out = fs.createWriteStream(file);
    await exportRun(store, RUN, out);
    out.end();
    await once(out, 'close');
    lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    trailer = lines.pop()!;
    assert.match(trailer, /^\{"flightrec":"end"/);
    sourceHashes = lines.slice(1).map((l) => (JSON.parse(l) as { hash: string }).hash);
  } finally {
    await store.close();
  }
  assert.ok(lines.length > 15);
});

/** A case: the file's bytes and what must come of importing it. */
interface ImportCase {
  kind: string;
  bytes: Buffer;
  /** The 1-based line the error must name, or 'prefix' when the file is a valid shorter export. */
  expect: number | 'prefix';
  /** When given, the error's field must match. */
  field?: RegExp;
}

/** The lines as a file, ended by the source's trailer (which then no longer matches when lines were dropped). */
const joinLines = (ls: readonly string[]) => Buffer.from(`${[...ls, trailer].join('\n')}\n`, 'utf8');
/** Lines as bytes without the trailer: the first part of a file assembled from pieces. */
const rawLines = (ls: readonly string[]) => Buffer.from(ls.length === 0 ? '' : `${ls.join('\n')}\n`, 'utf8');

/** Every path (array of keys) inside a JSON value, the root excluded. */
function pathsOf(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  return entries.flatMap(([k, x]) => [[...prefix, k], ...pathsOf(x, [...prefix, k])]);
}

function setAt(root: Json, path: readonly (string | number)[], value: Json): Json {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  node[path[path.length - 1]!] = value;
  return copy;
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** An event line (1-based line number, header excluded) and its parsed value. */
const eventLine = () => fc.integer({ min: 2, max: lines.length }).map((no) => ({ no, value: JSON.parse(lines[no - 1]!) as Json }));
const lineOfType = (type: string) => lines.findIndex((l, i) => i > 0 && (JSON.parse(l) as { type: string }).type === type) + 1;

const ENVELOPE_KEYS = ['run', 'seq', 'id', 'type', 'v', 't', 'episode', 'step', 'decision', 'component', 'version', 'parent', 'hash', 'payload'];
const BAD_SHAPES: Json[] = [[-1], [1.5], [2 ** 20, 2 ** 20], [2 ** 53], [1e308], ['2'], null, {}, Array.from({ length: 33 }, () => 1), [2 ** 28 + 1]];
const INVALID_UTF8 = [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]];

/** Replaces line `no` by `text` and expects the error there, unless the new text is the same JSON value (then the file is unchanged in substance). */
function withLine(kind: string, no: number, text: string, field?: RegExp): ImportCase {
  const ls = [...lines];
  ls[no - 1] = text;
  let same = false;
  try {
    same = JSON.stringify(JSON.parse(text)) === JSON.stringify(JSON.parse(lines[no - 1]!));
  } catch {
    same = false;
  }
  return { kind, bytes: joinLines(ls), expect: same ? 'prefix' : no, ...(field && !same ? { field } : {}) };
}

/** Built once `lines` is known (after `before`). */
const importCase = (): fc.Arbitrary<ImportCase> =>
  fc.oneof(
  // A field of the envelope or anywhere in the payload replaced by any JSON value (wrong types, NaN markers, nulls...).
  fc.record({ line: eventLine(), pick: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> }).map(({ line, pick, value }) => {
    const paths = pathsOf(line.value);
    const path = paths[pick % paths.length]!;
    return withLine(`replace ${path[0] === 'payload' ? 'a payload value' : 'an envelope field'}`, line.no, JSON.stringify(setAt(line.value, path, value)));
  }),
  // An envelope field removed.
  fc.record({ line: eventLine(), key: fc.constantFrom(...ENVELOPE_KEYS) }).map(({ line, key }) => {
    const o = { ...(line.value as Record<string, Json>) };
    delete o[key];
    return withLine('missing envelope field', line.no, JSON.stringify(o), new RegExp(`^${key}$`));
  }),
  // Unknown keys, at the top or in the payload.
  fc.record({ line: eventLine(), key: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !ENVELOPE_KEYS.includes(k) && !k.startsWith('$') && k !== '__proto__'), inPayload: fc.boolean() }).map(({ line, key, inPayload }) => {
    const o = structuredClone(line.value) as Record<string, Json>;
    if (inPayload) (o.payload as Record<string, Json>)[key] = 1;
    else o[key] = 1;
    return withLine('unknown key', line.no, JSON.stringify(o));
  }),
  // Unknown event types.
  fc.record({ line: eventLine(), type: fc.string({ maxLength: 30 }).filter((t) => !lines.some((l) => l.includes(`"type":${JSON.stringify(t)}`))) }).map(({ line, type }) =>
    withLine('unknown type', line.no, JSON.stringify({ ...(line.value as object), type }), /^type$/),
  ),
  // NaN or ±Infinity where the schema wants a finite number (env.stepped reward and performance).
  fc.record({ special: fc.constantFrom('NaN', 'Infinity', '-Infinity'), key: fc.constantFrom('reward', 'performance') }).map(({ special, key }) => {
    const no = lineOfType('env.stepped');
    const o = structuredClone(JSON.parse(lines[no - 1]!)) as { payload: Record<string, Json> };
    o.payload[key] = { $num: special };
    return withLine('NaN or Infinity in a finite field', no, JSON.stringify(o), new RegExp(`^payload\\.${key}$`));
  }),
  // Tensors with impossible shapes (negative, fractional, 2^40 elements, rank 33...) or mangled bytes.
  fc.record({ line: eventLine(), pick: fc.nat(), shape: fc.constantFrom(...BAD_SHAPES), b64: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 })) }).map(({ line, pick, shape, b64 }) => {
    const tensors = pathsOf(line.value).filter((p) => p[p.length - 1] === '$tensor');
    if (tensors.length === 0) return withLine('bad tensor (no tensor on the line: unknown key)', line.no, JSON.stringify({ ...(line.value as object), $tensor: 1 }));
    const at = tensors[pick % tensors.length]!;
    const value = b64 === undefined ? setAt(line.value, [...at, 'shape'], shape) : setAt(line.value, [...at, 'b64'], b64);
    return withLine(b64 === undefined ? 'impossible tensor shape' : 'mangled tensor bytes', line.no, JSON.stringify(value), b64 === undefined ? /\$tensor/ : /\$tensor|^hash$/);
  }),
  // Malformed JSON: a character deleted or inserted.
  fc.record({ no: fc.integer({ min: 2, max: lines.length }), at: fc.nat(), char: fc.constantFrom('{', '}', '"', ',', ':', '[', ']', 'x', '\\', '\u0000', ' '), del: fc.boolean() }).map(({ no, at, char, del }) => {
    const l = lines[no - 1]!;
    const i = at % l.length;
    return withLine('malformed JSON', no, del ? l.slice(0, i) + l.slice(i + 1) : l.slice(0, i) + char + l.slice(i));
  }),
  // Deeply nested JSON in a payload value.
  fc.record({ depth: fc.oneof(fc.integer({ min: 66, max: 300 }), fc.integer({ min: 5000, max: 200_000 })), kind: fc.constantFrom('array' as const, 'object' as const), line: eventLine() }).map(({ depth, kind, line }) => {
    const l = lines[line.no - 1]!;
    return withLine('deeply nested JSON', line.no, l.replace('"payload":{', `"payload":{"deep":${nested(depth, kind)},`));
  }),
  // Invalid UTF-8 bytes inside a line.
  fc.record({ no: fc.integer({ min: 1, max: lines.length }), at: fc.nat(), seq: fc.constantFrom(...INVALID_UTF8) }).map(({ no, at, seq }) => {
    const before = rawLines(lines.slice(0, no - 1));
    const line = Buffer.from(lines[no - 1]!, 'utf8');
    const i = at % line.length;
    const bytes = Buffer.concat([no > 1 ? before : Buffer.alloc(0), line.subarray(0, i), Buffer.from(seq), line.subarray(i), Buffer.from('\n'), joinLines(lines.slice(no))]);
    return { kind: 'invalid UTF-8', bytes, expect: no, field: /^\(line\)$/ };
  }),
  // Lines swapped, repeated, dropped; a garbage line.
  fc.record({ a: fc.integer({ min: 2, max: lines.length }), b: fc.integer({ min: 2, max: lines.length }), op: fc.constantFrom('swap', 'repeat', 'drop', 'garbage'), garbage: fc.uint8Array({ minLength: 1, maxLength: 60 }) }).map(({ a, b, op, garbage }) => {
    const ls = [...lines];
    if (op === 'swap') [ls[a - 1], ls[b - 1]] = [ls[b - 1]!, ls[a - 1]!];
    else if (op === 'repeat') ls.splice(a, 0, ls[a - 1]!);
    else if (op === 'drop') ls.splice(a - 1, 1);
    else {
      const text = Buffer.from(Array.from(garbage, (x) => (x === 0x0a || x === 0x0d ? 0x20 : x))).toString('latin1');
      ls.splice(a - 1, 0, text.trim() === '' ? `${text}x` : text);
    }
    const first = ls.findIndex((l, i) => l !== lines[i]);
    // Swapping a line with itself changes nothing; dropping the last event line is caught by the trailer (line ls.length + 1).
    if (first < 0) return { kind: `line ${op}`, bytes: joinLines(ls), expect: 'prefix' as const };
    return { kind: `line ${op}`, bytes: joinLines(ls), expect: first + 1 };
  }),
  // The file cut at any byte.
  fc.nat().map((at) => {
    const all = joinLines(lines);
    const cut = at % all.length;
    const bytes = all.subarray(0, cut);
    const text = bytes.toString('utf8');
    const newlines = text.split('\n').length - 1;
    const tail = text.slice(text.lastIndexOf('\n') + 1);
    const all_ = [...lines, trailer];
    if (cut === 0) return { kind: 'truncated file', bytes, expect: 1, field: /^\(file\)$/ };
    // Cut right before the final newline: the whole file after all.
    if (newlines === all_.length - 1 && tail === trailer) return { kind: 'truncated file', bytes, expect: 'prefix' as const };
    // Cut at a line end (or right before its newline): every line valid, but no trailer.
    if (tail === '') return { kind: 'truncated file at a line end', bytes, expect: newlines + 1, field: /^\(file\)$/ };
    if (tail === all_[newlines]) return { kind: 'truncated file at a line end', bytes, expect: newlines + 2, field: /^\(file\)$/ };
    return { kind: 'truncated file', bytes, expect: newlines + 1 };
  }),
  // The header made invalid.
  fc.record({ key: fc.constantFrom('flightrec', 'format', 'run', 'run.id', 'run.name', 'run.status', 'extra'), value: fc.oneof(fc.integer(), fc.constant('x y'), fc.constant([]), fc.constant({}), fc.constant(true)) as fc.Arbitrary<Json> }).map(({ key, value }) => {
    const h = JSON.parse(lines[0]!) as Record<string, Json>;
    // Any string is a valid run name: the header's metadata is not covered by the chain (docs/guarantees.md).
    const bad = key === 'run.name' && typeof value === 'string' ? 7 : value;
    if (key.startsWith('run.')) (h.run as Record<string, Json>)[key.slice(4)] = bad;
    else h[key] = bad;
    return withLine('invalid header', 1, JSON.stringify(h));
  }),
);

/** Imports `c` into an empty store and into one that holds the run's first events; checks the outcome. */
async function checkImport(c: ImportCase, empty: SqliteEventStore, holding: SqliteEventStore, holdingHead: number): Promise<void> {
  const file = tmp.file(`case-${files++}.ndjson`);
  fs.writeFileSync(file, c.bytes);
  const what = `${c.kind}: ${c.bytes.subarray(0, 60).toString('utf8')}…`;
  try {
    if (c.expect === 'prefix') {
      // A valid file after all: it must import exactly the source's events (a prefix of them), nothing altered.
      const fresh = await SqliteEventStore.open(tmp.file(`prefix-${files}.db`));
      try {
        const r = await importNdjson(fresh, file);
        const stored = fresh.sqlite.prepare('select hex(e.hash) as h from events e join runs r on r.pk = e.run_pk where r.id = ? order by e.seq').pluck().all(RUN) as string[];
        assert.deepEqual(stored.map((h) => h.toLowerCase()), sourceHashes.slice(0, r.events), `${what}: the imported events are the source's`);
        assert.ok((await verifyChain(fresh, RUN)).ok);
        count('valid after all (imported a prefix, unaltered)');
      } finally {
        await fresh.close();
      }
      return;
    }
    for (const [target, label] of [
      [empty, 'empty database'],
      [holding, 'database holding the first events'],
    ] as const) {
      const error = await importNdjson(target, file).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(error instanceof NdjsonImportError, `${what} (${label}): an NdjsonImportError, got ${error === null ? 'a successful import' : String(error)}`);
      assert.equal(error.code, 'INVALID_IMPORT');
      assert.equal(error.line, c.expect, `${what} (${label}): ${error.message}`);
      const m = /^line (\d+): (.+?): (.+)$/s.exec(error.message);
      assert.ok(m !== null, `${what}: the message names the line and the field: ${error.message}`);
      if (c.field) assert.match(String(error.details.field), c.field, `${what}: ${error.message}`);
      assert.equal(target.sqlite.inTransaction, false);
    }
    assert.equal(await empty.findRun(RUN), undefined, `${what}: nothing recorded`);
    assert.equal((await holding.getRun(RUN)).head_seq, holdingHead, `${what}: nothing appended to the stored run`);
    count(c.kind);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function runCli(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('hostile NDJSON imports', () => {
  let empty: SqliteEventStore;
  let holding: SqliteEventStore;
  const HELD = 6;

  before(async () => {
    empty = await SqliteEventStore.open(tmp.file('empty.db'));
    holding = await SqliteEventStore.open(tmp.file('holding.db'));
    const prefix = tmp.file('prefix.ndjson');
    fs.writeFileSync(prefix, `${lines.slice(0, HELD + 1).join('\n')}\n`);
    await importNdjson(holding, prefix, { allowTruncated: true });
  });
  after(async () => {
    await empty.close();
    await holding.close();
  });

  it(`${IMPORT_CASES} generated files: a clear error naming line and field, nothing recorded (or, for a file that is valid after all, exactly the source's events)`, async (t) => {
    await fc.assert(
      fc.asyncProperty(importCase(), async (c) => {
        await checkImport(c, empty, holding, HELD - 1);
      }),
      { numRuns: IMPORT_CASES, seed: 7 },
    );
    t.diagnostic(`import cases by kind: ${[...counts].sort().map(([k, n]) => `${k} ${n}`).join('; ')}`);
    assert.equal((empty.sqlite.prepare('select count(*) from events').pluck().get() as number), 0);
  });

  it('a 50 MB line: an unknown 50 MB field, and a 50 MB tensor that is not the recorded one', async () => {
    const no = lineOfType('critic.evaluated');
    const big = 'A'.repeat(50 * 1024 * 1024); // canonical base64 of 39,321,600 zero bytes
    await checkImport(withLine('50 MB line', no, lines[no - 1]!.replace('"payload":{', `"payload":{"big":"${big}",`), /^payload\.big$/), empty, holding, HELD - 1);
    const o = JSON.parse(lines[no - 1]!) as { payload: { values: { $tensor: { dtype: string; shape: number[]; b64: string } } } };
    o.payload.values.$tensor = { dtype: 'float32', shape: [(big.length / 4) * 3 / 4], b64: big };
    await checkImport(withLine('50 MB tensor', no, JSON.stringify(o), /^hash$/), empty, holding, HELD - 1);
  });

  it('a large tensor that is the recorded one (a 2.5M-parameter checkpoint, a 13 MB line) exports and imports unchanged', async () => {
    const db = tmp.file('big-checkpoint.db');
    const rec = await Recorder.open(db);
    const run = await rec.startRun({ id: 'big' });
    const parameters = new Float32Array(2_500_000).map((_, i) => Math.sin(i));
    run.append({ type: 'checkpoint.saved', component: 'critic', version: 'v1', payload: { update: 1, architecture: 'mlp', parameters: f32(parameters), optimizer_state: null } });
    await rec.close();
    const file = tmp.file('big-checkpoint.ndjson');
    const source = await SqliteEventStore.open(db);
    const target = await SqliteEventStore.open(tmp.file('big-checkpoint-copy.db'));
    try {
      const out = fs.createWriteStream(file);
      await exportRun(source, 'big', out);
      out.end();
      await once(out, 'close');
      assert.deepEqual(await importNdjson(target, file), { run: 'big', events: 3, skipped: 0 });
      const hashes = (s: SqliteEventStore) => s.sqlite.prepare("select hex(e.hash) from events e join runs r on r.pk = e.run_pk where r.id = 'big' order by e.seq").pluck().all();
      assert.deepEqual(hashes(target), hashes(source));
      assert.ok((await verifyChain(target, 'big')).ok);
    } finally {
      await source.close();
      await target.close();
    }
  });
});

describe('hostile input through the CLI (child processes)', () => {
  it('every bad file exits 2 with the line and field on stderr, no stack trace, and nothing imported', async () => {
    const env = lineOfType('env.stepped');
    const critic = lineOfType('critic.evaluated');
    const header = Buffer.from(lines[0]!, 'utf8');
    const nameAt = header.indexOf('fixture');
    const cases: { name: string; bytes: Buffer; pattern: RegExp }[] = [
      { name: 'deep', bytes: joinLines(lines.map((l, i) => (i === critic - 1 ? l.replace('"payload":{', `"payload":{"deep":${nested(100_000, 'array')},`) : l))), pattern: new RegExp(`line ${critic}: payload\\.deep.*deeper than`) },
      { name: 'utf8-header', bytes: Buffer.concat([header.subarray(0, nameAt + 2), Buffer.from([0xff]), header.subarray(nameAt + 2), Buffer.from('\n'), joinLines(lines.slice(1))]), pattern: /line 1: \(line\): .*UTF-8/ },
      { name: 'utf8-event', bytes: Buffer.concat([rawLines(lines.slice(0, 3)), Buffer.from([0x7b, 0xc3, 0x28, 0x0a]), joinLines(lines.slice(3))]), pattern: /line 4: \(line\): .*UTF-8/ },
      { name: 'nan-reward', bytes: joinLines(lines.map((l, i) => (i === env - 1 ? l.replace(/"reward":[^,]+,/, '"reward":{"$num":"NaN"},') : l))), pattern: new RegExp(`line ${env}: payload\\.reward: `) },
      { name: 'huge-shape', bytes: joinLines(lines.map((l, i) => (i === critic - 1 ? l.replace(/"shape":\[[^\]]*\]/, '"shape":[1099511627776]') : l))), pattern: new RegExp(`line ${critic}: payload\\..*\\$tensor.*more than`) },
      { name: 'truncated', bytes: joinLines(lines).subarray(0, joinLines(lines).length - 40), pattern: new RegExp(`line ${lines.length + 1}: \\(line\\): invalid JSON`) },
      { name: 'binary', bytes: Buffer.from([0x00, 0x01, 0xfe, 0x7b, 0x0a, 0x22]), pattern: /line 1: \(line\): / },
      { name: 'empty', bytes: Buffer.alloc(0), pattern: /line 1: \(file\): / },
      { name: 'unknown-type', bytes: joinLines(lines.map((l, i) => (i === 3 ? l.replace(/"type":"[^"]+"/, '"type":"critic.guessed"') : l))), pattern: /line 4: type: unknown event type/ },
      { name: 'wrong-type', bytes: joinLines(lines.map((l, i) => (i === 2 ? l.replace(/"t":\d+/, '"t":"yesterday"') : l))), pattern: /line 3: t: / },
      { name: 'big-line', bytes: joinLines(lines.map((l, i) => (i === critic - 1 ? l.replace('"payload":{', `"payload":{"big":"${'B'.repeat(50 * 1024 * 1024)}",`) : l))), pattern: new RegExp(`line ${critic}: payload\\.big: `) },
    ];
    // A line longer than the longest string JavaScript can hold: a sparse file of NUL bytes after the header.
    const sparse = tmp.file('cli-sparse.ndjson');
    fs.writeFileSync(sparse, `${lines[0]}\n`);
    fs.truncateSync(sparse, 600 * 1024 * 1024);
    const run = async (name: string, file: string, pattern: RegExp) => {
      const db = tmp.file(`cli-${name}.db`);
      const r = await runCli(['--db', db, 'import', file]);
      assert.equal(r.signal, null, `${name}: not killed`);
      assert.equal(r.code, 2, `${name}: exit 2; stderr: ${r.stderr.slice(0, 400)}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^flightrec: error \[INVALID_IMPORT\]: line \d+: /, name);
      assert.match(r.stderr, pattern, name);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${name}: no stack trace`);
      if (fs.existsSync(db)) {
        const raw = rawDatabase(db);
        try {
          assert.equal(raw.prepare('select count(*) from runs').pluck().get(), 0, `${name}: nothing imported`);
        } finally {
          raw.close();
        }
      }
      count('CLI');
    };
    const jobs = cases.map((c) => async () => {
      const file = tmp.file(`cli-${c.name}.ndjson`);
      fs.writeFileSync(file, c.bytes);
      await run(c.name, file, c.pattern);
      fs.rmSync(file);
    });
    jobs.push(() => run('longer-than-a-string', sparse, /line 2: \(line\): .*longer than/));
    for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map((j) => j()));
    fs.rmSync(sparse);
  });
});

describe('hostile input to the decoders', () => {
  const isCodecError = (e: unknown) => e instanceof FlightrecError && ['INVALID_PAYLOAD_BYTES', 'INVALID_TENSOR', 'BLOB_INTEGRITY'].includes(e.code);
  const noBlobs = { getBlob: () => { throw new FlightrecError('BLOB_INTEGRITY', 'no blobs here'); } };

  it('decodeValue: random bytes, mutated encodings, absurd lengths and nesting decode or throw a codec error', () => {
    const outcome = (bytes: Uint8Array) => {
      try {
        decodeValue(bytes, noBlobs);
        return 'decoded';
      } catch (e) {
        assert.ok(isCodecError(e), `a codec error, got ${String(e)}`);
        return 'refused';
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void count(`decodeValue random bytes ${outcome(b)}`)), { numRuns: 300, seed: 1 });
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ t: fc.float32Array({ maxLength: 40 }).map((d) => ({ dtype: 'float32', shape: [d.length], data: d })), x: fc.jsonValue({ maxDepth: 2 }) }),
    );
    fc.assert(
      fc.property(value, fc.nat(), fc.nat(255), fc.constantFrom('flip', 'cut', 'insert'), (v, at, byte, how) => {
        let enc: Uint8Array;
        try {
          enc = encodeValue(v);
        } catch {
          return; // not encodable (e.g. a __proto__ key): nothing to decode
        }
        const i = at % Math.max(1, enc.length);
        const b = how === 'flip' ? Uint8Array.from(enc, (x, k) => (k === i ? x ^ (byte || 1) : x)) : how === 'cut' ? enc.subarray(0, i) : Uint8Array.from([...enc.subarray(0, i), byte, ...enc.subarray(i)]);
        count(`decodeValue mutated encoding ${outcome(b)}`);
      }),
      { numRuns: 300, seed: 2 },
    );
    const crafted: [string, number[]][] = [
      ['nesting 100,000 deep', [...Array.from({ length: 100_000 }, () => [6, 1]).flat(), 0]],
      ['array claiming 2^50 elements', [6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
      ['string claiming 2^40 bytes', [5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
      ['tensor of 2^40 elements', [8, 0, 2, 0x80, 0x80, 0x40, 0x80, 0x80, 0x40, 0]],
      ['tensor of 33 dimensions', [8, 0, 33, ...Array.from({ length: 33 }, () => 1), 4, 0, 0, 0, 0]],
      ['negative-looking varint', [3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
    ];
    for (const [what, bytes] of crafted) {
      assert.equal(outcome(Uint8Array.from(bytes)), 'refused', what);
      count('decodeValue crafted');
    }
  });

  it('tensorFromBytes: any dtype, shape and byte count gives a tensor of exactly those bytes or a TensorCodecError', () => {
    const dims = fc.oneof(fc.integer({ min: -3, max: 8 }), fc.constantFrom(2 ** 20, 2 ** 40, 2 ** 53, Number.NaN, Infinity, -0, 1.5));
    fc.assert(
      fc.property(fc.constantFrom('float32', 'float64', 'int32', 'uint8', 'bool', 'float16', '__proto__', 'constructor', ''), fc.array(dims, { maxLength: 5 }), fc.uint8Array({ maxLength: 64 }), (dtype, shape, bytes) => {
        try {
          const t = tensorFromBytes(dtype as Dtype, shape, bytes);
          assert.deepEqual(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), Buffer.from(bytes));
          count('tensorFromBytes decoded');
        } catch (e) {
          assert.ok(e instanceof FlightrecError && e.code === 'INVALID_TENSOR', `a TensorCodecError, got ${String(e)}`);
          count('tensorFromBytes refused');
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('parseEventInput: any value, valid events with one value replaced, NaN in finite fields and deep nesting give a valid event or a typed error naming the field', () => {
    const check = (input: unknown, kind: string) => {
      try {
        parseEventInput(input);
        count(`${kind} accepted`);
      } catch (e) {
        assert.ok(e instanceof UnknownEventTypeError || e instanceof EventValidationError, `a typed event error, got ${String(e)}`);
        if (e instanceof EventValidationError) assert.ok(e.issues.length > 0 && e.issues.every((i) => typeof i.path === 'string'), e.message);
        count(`${kind} refused`);
      }
    };
    fc.assert(fc.property(fc.anything({ withTypedArray: true, withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withDate: true }), (v) => check(v, 'parseEventInput any value')), { numRuns: 200, seed: 4 });
    const valid = [criticEvaluated(3, { rows: 3 }), envStepped(4), annotation(5), componentUpdated(6)] as unknown as Json[];
    fc.assert(
      fc.property(fc.constantFrom(...valid.keys()), fc.nat(), fc.anything({ withTypedArray: true, withNullPrototype: true, maxDepth: 3 }), (k, pick, value) => {
        const base = valid[k]!;
        const paths = pathsOf(base).filter((p) => !p.includes('data'));
        const path = paths[pick % paths.length]!;
        const copy = structuredClone(base) as Record<string, unknown>;
        let node = copy;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
        node[path[path.length - 1]!] = value;
        check(copy, 'parseEventInput one value replaced');
      }),
      { numRuns: 300, seed: 5 },
    );
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      assert.throws(
        () => parseEventInput({ ...envStepped(1), payload: { ...envStepped(1).payload, reward: bad } }),
        (e: unknown) => e instanceof EventValidationError && e.issues[0]?.path === 'payload.reward',
      );
      count('parseEventInput NaN in a finite field refused');
    }
    // A config is any JSON, but not JSON nested beyond what can be stored: refused with a typed error, not a stack overflow.
    for (const depth of [65, 1000, 10_000, 100_000]) {
      let config: unknown = 1;
      for (let i = 0; i < depth; i++) config = depth % 2 === 0 ? [config] : { a: config };
      const started = { type: 'run.started', payload: { name: null, config, seed: null, env: null, components: [], backend: null, code_version: null, source_run: null, overrides: null } };
      assert.throws(
        () => parseEventInput(started),
        (e: unknown) => e instanceof EventValidationError && /^payload\.config/.test(e.issues[0]!.path) && /deeper than 64/.test(e.issues[0]!.message),
        `depth ${depth}`,
      );
      count('parseEventInput deep nesting refused');
    }
  });

});

describe('hostile input: totals', () => {
  it('at least 1,000 generated cases in all', (t) => {
    const total = [...counts.values()].reduce((n, c) => n + c, 0);
    t.diagnostic(`hostile input cases: ${total} (${[...counts].sort().map(([k, n]) => `${k} ${n}`).join('; ')})`);
    assert.ok(total >= 1000, `${total} cases`);
  });
});
