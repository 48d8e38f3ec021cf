/**
 * `postgres`: the recorder writing into PostgreSQL against raw `pg` COPY of the same rows into
 * the same table, in one process, then 8 writer processes recording their own runs at once.
 *
 * Each variant writes N critic.evaluated events into a fresh schema of FLIGHTREC_PG_URL (or
 * --url) and is timed from open to close. The raw variant gets flightrec's own payload bytes
 * precomputed and a dummy hash, and COPYs them in chunks of 1,000 rows, one transaction each (the
 * recorder's batch size): what the server costs, without validation, encoding, hashing or the
 * head check. Variants alternate for --rounds rounds after a warm-up; figures are medians.
 */
import { loadavg } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { encodeValue } from '../src/events/payload-codec.js';
import { parseEventInput } from '../src/events/registry.js';
import { Recorder } from '../src/record/recorder.js';
import { openStore } from '../src/store/open-store.js';
import { DEFAULT_BLOB_THRESHOLD } from '../src/store/prepare-event.js';
import { spawnHelper } from '../test/helpers/spawn-child.js';
import { intFlag, type Benchmark } from './benchmark.js';
import { fixed, int, machine, median, table } from './bench-util.js';
import { criticEvents, type CriticEvent } from './postgres-fixture.js';

const CHUNK = 1000;
const TARGET = 0.5;
const GOAL = 0.8;

export const postgresBenchmark: Benchmark = {
  name: 'postgres',
  description: 'the recorder into PostgreSQL vs raw pg COPY of the same rows (one process), and 8 writer processes at once',
  async run(args) {
    const base = typeof args.flags['url'] === 'string' ? args.flags['url'] : (process.env['FLIGHTREC_PG_URL'] ?? '');
    if (base === '') throw new Error('the postgres benchmark needs a server: set FLIGHTREC_PG_URL=postgres://user:pass@host:port/db or pass --url');
    const n = intFlag(args, 'events', 100_000);
    const rounds = intFlag(args, 'rounds', 3);
    const writers = intFlag(args, 'writers', 8);
    const perWriter = intFlag(args, 'writer-events', 50_000);
    const events = criticEvents(n);
    const payloads = events.map((e) => encodeValue(parseEventInput(e).payload, { blobThreshold: DEFAULT_BLOB_THRESHOLD, putBlob: () => undefined }));
    const schemas: string[] = [];
    const fresh = async (label: string): Promise<string> => {
      const schema = `bench_${label}_${process.pid}_${schemas.length}`;
      schemas.push(schema);
      await admin(base, `drop schema if exists ${schema} cascade; create schema ${schema}`);
      return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    };
    try {
      args.log(`${int(n)} events per variant, ${rounds} rounds after a warm-up (load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
      const times = { recorder: [] as number[], raw: [] as number[] };
      for (let round = 0; round <= rounds; round++) {
        const order: ('recorder' | 'raw')[] = round % 2 === 0 ? ['recorder', 'raw'] : ['raw', 'recorder'];
        for (const v of order) {
          const url = await fresh(v);
          const ms = v === 'recorder' ? await recorder(url, events) : await rawCopy(url, events, payloads);
          if (round > 0) times[v].push(ms);
          args.log(`  round ${round}${round === 0 ? ' (warm-up)' : ''}: ${v} ${fixed(ms, 0)} ms`);
        }
      }
      const recorderRate = n / (median(times.recorder) / 1000);
      const rawRate = n / (median(times.raw) / 1000);
      const ratio = recorderRate / rawRate;

      const url = await fresh('writers');
      // Migrate once before the writers start, so the timing is recording, not schema creation.
      await (await openStore(url)).close();
      const startAt = Date.now() + 4000 + writers * 500;
      const children = Array.from({ length: writers }, (_, i) => spawnHelper('../../bench/postgres-writer-child.js', [url, `writer-${i}`, String(perWriter), String(startAt)]));
      const results = await Promise.all(children.map((c) => c.exited));
      const reports = results.map((r, i) => {
        if (r.code !== 0) throw new Error(`writer ${i} failed: ${r.stderr}`);
        return JSON.parse(r.stdout.trim().split('\n').pop()!) as { events: number; start: number; end: number };
      });
      const total = reports.reduce((s, r) => s + r.events, 0);
      const wall = Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start));
      const stored = Number((await admin(url, 'select count(*) as n from events'))[0]!['n']);
      const writersRate = total / (wall / 1000);

      args.log('');
      for (const line of table(
        ['variant', 'events/s', 'vs raw'],
        [
          ['raw pg COPY (1,000 rows per COPY)', int(rawRate), '1.00'],
          ['flightrec recorder', int(recorderRate), fixed(ratio, 2)],
          [`${writers} recorder processes at once`, int(writersRate), ''],
        ],
      ))
        args.log(line);
      args.log(`ratio_vs_raw ${fixed(ratio, 2)} (target ≥ ${TARGET}, goal ${GOAL}); ${writers} writers stored ${int(stored)} of ${int(total)} events in ${fixed(wall / 1000, 1)} s`);
      return {
        events: n,
        rounds,
        recorder_events_per_s: Math.round(recorderRate),
        raw_copy_events_per_s: Math.round(rawRate),
        ratio_vs_raw: Number(ratio.toFixed(3)),
        target: TARGET,
        goal: GOAL,
        writers,
        writer_events: total,
        writers_stored: stored,
        writers_events_per_s: Math.round(writersRate),
        load: loadavg().map((l) => Number(l.toFixed(2))),
        machine: machine(),
      };
    } finally {
      for (const s of schemas) await admin(base, `drop schema if exists ${s} cascade`).catch(() => undefined);
    }
  },
};

async function recorder(url: string, events: readonly CriticEvent[]): Promise<number> {
  const t0 = performance.now();
  const rec = await Recorder.open(url);
  const run = await rec.startRun({ id: 'bench' });
  for (let i = 0; i < events.length; i++) {
    run.append(events[i]!);
    if (i % CHUNK === CHUNK - 1) await new Promise((r) => setImmediate(r));
  }
  await run.close();
  await rec.close();
  return performance.now() - t0;
}

async function rawCopy(url: string, events: readonly CriticEvent[], payloads: readonly Uint8Array[]): Promise<number> {
  // The schema is flightrec's (made by opening a store), outside the timing, as raw SQL would find it.
  const store = await openStore(url);
  const { pk } = await store.createRun({ id: 'bench', name: null, env: null, backend: null, sourceRun: null });
  await store.close();
  const dummyHash = `\\\\x${'07'.repeat(32)}`;
  const t0 = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let from = 0; from < events.length; from += CHUNK) {
      const lines: string[] = [];
      for (let i = from; i < Math.min(events.length, from + CHUNK); i++) {
        const e = events[i]!;
        lines.push(`${pk}\t${i}\t${e.type}\t1\t${Date.now()}\t${e.episode}\t${e.step}\t${e.decision}\t${e.component}\t${e.version}\t\\\\x${Buffer.from(payloads[i]!).toString('hex')}\t${dummyHash}\n`);
      }
      await client.query('begin');
      await pipeline(Readable.from([lines.join('')]), client.query(copyFrom('copy events (run_pk, seq, type, v, t, episode, step, decision, component, version, payload, hash) from stdin')));
      await client.query('commit');
    }
  } finally {
    await client.end();
  }
  return performance.now() - t0;
}

async function admin(url: string, text: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(text);
    return (Array.isArray(r) ? r.at(-1)!.rows : r.rows) as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}
