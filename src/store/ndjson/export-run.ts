import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { storedEnvelope } from '../stored-envelope.js';
import { decodeValue } from '../../events/payload-codec.js';
import type { EventRow, EventStore } from '../event-store.js';
import { GENESIS_HASH } from '../hash-chain.js';
import { NDJSON_FORMAT, type NdjsonEvent, type NdjsonHeader, type NdjsonTrailer } from './ndjson-format.js';
import { toNdjsonValue } from './ndjson-value.js';

export interface ExportResult {
  run: string;
  /** Event lines written (the run's events up to its head when the export started). */
  events: number;
}

const PAGE = 500;
const CHUNK_CHARS = 1 << 16;

/**
 * Writes a run as NDJSON (header, its events in seq order, a trailer with their count and head hash), page by page with backpressure,
 * so memory stays bounded whatever the run's length. Payloads are written as stored — at their
 * stored schema version, not upcast — because the chain hashes those bytes.
 * Throws NotFoundError before writing anything when the run does not exist.
 */
export async function exportRun(store: EventStore, runId: string, out: Writable): Promise<ExportResult> {
  const run = await store.getRun(runId);
  const write = lineWriter(out);
  const header: NdjsonHeader = {
    flightrec: 'events',
    format: NDJSON_FORMAT,
    run: { id: run.id, name: run.name, env: run.env, backend: run.backend, source_run: run.source_run, status: run.status as NdjsonHeader['run']['status'], created: new Date(run.created_at).toISOString() },
  };
  await write.line(JSON.stringify(header));
  // Stop at the head seen now, so a run still recording exports a consistent prefix.
  const head = run.head_seq;
  let next = 0;
  let count = 0;
  let last: Uint8Array = GENESIS_HASH;
  while (next <= head) {
    const rows = await store.readBySeq(run.pk, next, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.seq > head) break;
      await write.line(JSON.stringify(eventLine(run.id, row, store)));
      next = row.seq + 1;
      count++;
      last = row.hash;
    }
  }
  const trailer: NdjsonTrailer = { flightrec: 'end', events: count, head: Buffer.from(last).toString('hex') };
  await write.line(JSON.stringify(trailer));
  await write.end();
  return { run: run.id, events: count };
}

/** One stored event as its NDJSON line object (payload decoded, blobs inlined). */
export function eventLine(run: string, row: EventRow, store: EventStore): NdjsonEvent {
  const payload = decodeValue(row.payload, { getBlob: (h) => store.getBlob(h) });
  return { ...storedEnvelope(run, row), payload: toNdjsonValue(payload) } as NdjsonEvent;
}

/** Buffers lines into chunks and waits for 'drain' when the stream asks; a stream error rejects the next write. */
function lineWriter(out: Writable) {
  let chunk = '';
  let failed: unknown = null;
  const onError = (e: unknown) => {
    failed ??= e;
  };
  out.on('error', onError);
  const flush = async () => {
    if (failed !== null) throw failed;
    if (chunk === '') return;
    const ok = out.write(chunk);
    chunk = '';
    if (!ok) await once(out, 'drain'); // rejects when the stream errors instead
    if (failed !== null) throw failed;
  };
  return {
    async line(s: string): Promise<void> {
      chunk += `${s}\n`;
      if (chunk.length >= CHUNK_CHARS) await flush();
    },
    async end(): Promise<void> {
      try {
        await flush();
      } finally {
        out.off('error', onError);
      }
    },
  };
}
