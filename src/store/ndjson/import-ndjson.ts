import { constants } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { describeValue } from '../../events/event-errors.js';
import { FlightrecError, NotFoundError } from '../../errors/flightrec-error.js';
import { GENESIS_HASH } from '../hash-chain.js';
import type { PreparedEvent, EventStore } from '../event-store.js';
import { ConcurrencyError, PathIsDirectoryError } from '../store-errors.js';
import { NdjsonTrailer, TRAILER_PREFIX, type NdjsonHeader } from './ndjson-format.js';
import { NdjsonImportError } from './ndjson-import-error.js';
import { LineIssueError, nextPosition, parseEventLine, parseHeaderLine, type ChainPosition, type ParsedEvent } from './parse-event-line.js';

export interface ImportResult {
  run: string;
  /** Events appended by this import. */
  events: number;
  /** Events of the file that the run already held (same seq, same hash). */
  skipped: number;
}

const BATCH = 1000;

/**
 * Imports an NDJSON file written by exportRun. Two passes over the file keep memory bounded: the
 * first validates every line (and, when the run exists, that the file agrees with its stored
 * chain); only a fully valid file is written, in one transaction, with the file's seq, ids, times
 * and hashes. Importing a file again is a no-op; a longer file appends its missing tail.
 * Throws NdjsonImportError naming the first bad line and field; nothing is stored then.
 */
export interface ImportOptions {
  /**
   * Import a file that ends without the trailer `flightrec export` writes last. Such a file may
   * have been cut short at a line end, and would then import as a valid shorter run.
   */
  allowTruncated?: boolean;
  /** Bytes of the file read so far, over both passes (check, then write): `total` is twice its size on disk. */
  onProgress?: (bytes: number, total: number) => void;
}

export async function importNdjson(store: EventStore, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  await checkImportFile(path);
  const size = (await stat(path)).size;
  const report = options.onProgress;
  const plan = await checkFile(store, path, options.allowTruncated === true, report && ((bytes) => report(bytes, 2 * size)));
  return await writeRun(store, path, plan, report && ((bytes) => report(size + bytes, 2 * size)));
}

/** Throws unless `path` is a file: NotFoundError when nothing is there, PathIsDirectoryError for a directory. */
export async function checkImportFile(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new PathIsDirectoryError(path, 'an NDJSON file', `${path.replace(/\/+$/, '')}/<run>.ndjson (written by \`npx flightrec export <run> --out <file>\`)`);
  if (info === undefined || !info.isFile()) throw new NotFoundError('file', path, { hint: 'pass the path of an NDJSON file written by `npx flightrec export`' });
}

interface Plan {
  header: NdjsonHeader;
  /** Events in the file. */
  events: number;
  /** Head seq of the run as stored when checked; null when the run does not exist. */
  storedHead: number | null;
  /** The run's creation time: the header's, else (older files) its first event's. */
  createdAt: number | undefined;
}

async function checkFile(store: EventStore, path: string, allowTruncated: boolean, onBytes?: (bytes: number) => void): Promise<Plan> {
  let header: NdjsonHeader | undefined;
  let trailer: NdjsonTrailer | null = null;
  let lastLine = 0;
  let at: ChainPosition = { run: '', seq: 0, previous: GENESIS_HASH };
  let storedHead: number | null = null;
  let storedHash: (seq: number) => Promise<string | null> = async () => null;
  const fileIds = new Set<string>();
  let firstT: number | undefined;
  for await (const { no, text } of numberedLines(path, onBytes)) {
    lastLine = no;
    try {
      if (trailer !== null) throw new LineIssueError({ path: '(line)', problem: 'follows the trailer line, which must be the last', received: describeValue(text.slice(0, 40)) });
      if (header === undefined) {
        header = parseHeaderLine(text);
        const run = await store.findRun(header.run.id);
        storedHead = run?.head_seq ?? null;
        if (run !== undefined) storedHash = storedHashes(store, run.pk);
        at = { run: header.run.id, seq: 0, previous: GENESIS_HASH };
        continue;
      }
      if (text.startsWith(TRAILER_PREFIX)) {
        trailer = checkTrailer(text, at);
        continue;
      }
      const e = parseEventLine(text, at, false);
      firstT ??= e.row.t;
      if (storedHead !== null && e.row.seq <= storedHead) await checkStored(e, at.run, storedHash);
      else if (e.customId !== null) checkIdFree(store, e.customId, fileIds);
      at = nextPosition(at, e);
    } catch (err) {
      if (err instanceof LineIssueError) throw new NdjsonImportError(path, no, err.issue);
      throw err;
    }
  }
  if (header === undefined) throw new NdjsonImportError(path, 1, { path: '(file)', problem: 'expected a header line {"flightrec":"events",...}', received: 'an empty file' });
  if (trailer === null && !allowTruncated) {
    throw new NdjsonImportError(path, lastLine + 1, { path: '(file)', problem: `ends after ${at.seq} events without the trailer line {"flightrec":"end",...} that \`npx flightrec export\` writes last, so it may be cut short`, received: 'the end of the file' }, `nothing from ${path} was imported; export the run again, or import what is there with --allow-truncated (a cut file then imports as a shorter run)`);
  }
  const created = header.run.created === undefined ? firstT : Date.parse(header.run.created);
  return { header, events: at.seq, storedHead, createdAt: created };
}

function checkTrailer(text: string, at: ChainPosition): NdjsonTrailer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new LineIssueError({ path: '(line)', problem: `invalid JSON (${(e as Error).message})`, received: describeValue(text) });
  }
  const t = NdjsonTrailer.safeParse(value);
  if (!t.success) {
    const issue = t.error.issues[0]!;
    throw new LineIssueError({ path: issue.path.join('.') || '(trailer)', problem: issue.message, received: describeValue((value as Record<string, unknown>)[String(issue.path[0])]) });
  }
  if (t.data.events !== at.seq) throw new LineIssueError({ path: 'events', problem: `says the file holds ${t.data.events} events, but ${at.seq} come before it: the file was cut or edited`, received: String(t.data.events) });
  const head = Buffer.from(at.previous).toString('hex');
  if (t.data.head !== head) throw new LineIssueError({ path: 'head', problem: `is not the hash of the last event (${head})`, received: describeValue(t.data.head) });
  return t.data;
}

async function checkStored(e: ParsedEvent, run: string, storedHash: (seq: number) => Promise<string | null>): Promise<void> {
  const stored = await storedHash(e.row.seq);
  const mine = Buffer.from(e.row.hash).toString('hex');
  if (stored !== mine) {
    throw new LineIssueError({ path: 'hash', problem: `run ${run} already has a different event at seq ${e.row.seq} (stored hash ${stored ?? 'missing'})`, received: describeValue(mine) });
  }
}

function checkIdFree(store: EventStore, id: string, fileIds: Set<string>): void {
  if (fileIds.has(id)) throw new LineIssueError({ path: 'id', problem: 'is used by an earlier line of this file', received: describeValue(id) });
  fileIds.add(id);
  const found = store.findEventById(id);
  if (found !== undefined) throw new LineIssueError({ path: 'id', problem: `is already the id of event seq ${found.seq} of run ${found.run}`, received: describeValue(id) });
}

async function writeRun(store: EventStore, path: string, plan: Plan, onBytes?: (bytes: number) => void): Promise<ImportResult> {
  const { header } = plan;
  const id = header.run.id;
  // One transaction for the whole file: a failure halfway (disk full, a concurrent writer) leaves nothing behind.
  return await store.writeTransaction(async () => {
    const found = await store.findRun(id);
    if ((found?.head_seq ?? null) !== plan.storedHead) throw new ConcurrencyError(id, plan.storedHead ?? -1, found?.head_seq ?? -1);
    const run = found ?? (await store.createRun({ id, name: header.run.name, env: header.run.env, backend: header.run.backend, sourceRun: header.run.source_run, importedFrom: path, ...(plan.createdAt === undefined ? {} : { createdAt: plan.createdAt }) }));
    const storedHead = found?.head_seq ?? -1;
    let head = storedHead;
    let batch: PreparedEvent[] = [];
    let blobs = new Map<string, Uint8Array>();
    const flush = () => {
      store.appendBatch({ pk: run.pk, id }, head, batch, blobs);
      head = batch[batch.length - 1]!.seq;
      batch = [];
      blobs = new Map();
    };
    let at: ChainPosition = { run: id, seq: 0, previous: GENESIS_HASH };
    let sawHeader = false;
    for await (const { no, text } of numberedLines(path, onBytes)) {
      if (!sawHeader) {
        sawHeader = true;
        continue;
      }
      if (text.startsWith(TRAILER_PREFIX)) continue; // checked in the first pass
      let e: ParsedEvent;
      try {
        e = parseEventLine(text, at, at.seq > storedHead);
      } catch (err) {
        if (err instanceof LineIssueError) throw new NdjsonImportError(path, no, err.issue);
        throw err;
      }
      at = nextPosition(at, e);
      if (e.row.seq <= storedHead) continue;
      batch.push(e.row);
      for (const [k, v] of e.blobs) blobs.set(k, v);
      if (batch.length >= BATCH) flush();
    }
    if (batch.length > 0) flush();
    if (at.seq !== plan.events) throw new FlightrecError('IMPORT_FILE_CHANGED', `${path} changed while importing (${plan.events} events when checked, ${at.seq} now); nothing was imported`, { file: path });
    const appended = head - storedHead;
    if (found === undefined || appended > 0) await store.setStatus(run.pk, header.run.status);
    return { run: id, events: appended, skipped: plan.events - appended };
  });
}

/** Longest line read: the longest string JavaScript can hold (a longer line could not be parsed anyway). */
const MAX_LINE_BYTES = constants.MAX_STRING_LENGTH;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Non-blank lines with their 1-based line numbers (blank lines still count, so numbers match an
 * editor's). Lines are split on LF (a CR before it is dropped) and decoded as strict UTF-8: an
 * invalid byte or an over-long line is an NdjsonImportError naming the line, never a silently
 * replaced character or a crash.
 */
async function* numberedLines(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<{ no: number; text: string }> {
  const input = await readMaybeGzipped(path, onBytes);
  let no = 0;
  let parts: Buffer[] = [];
  let size = 0;
  const line = (bytes: Buffer): string => {
    no++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(0, end));
    } catch {
      throw new NdjsonImportError(path, no, { path: '(line)', problem: 'is not valid UTF-8', received: `${end} bytes` });
    }
    return no === 1 ? text.replace(/^\uFEFF/, '') : text;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        parts.push(chunk.subarray(start, nl));
        const bytes = Buffer.concat(parts);
        parts = [];
        size = 0;
        start = nl + 1;
        if (bytes.length > MAX_LINE_BYTES) throw tooLong(path, no + 1);
        const text = line(bytes);
        if (text.trim() !== '') yield { no, text };
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        size += chunk.length - start;
        if (size > MAX_LINE_BYTES) throw tooLong(path, no + 1);
      }
    }
    if (size > 0) {
      const text = line(Buffer.concat(parts));
      if (text.trim() !== '') yield { no, text };
    }
  } catch (e) {
    // A truncated or corrupt .gz names the file like any bad line does, not as a crash.
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('Z_')) throw new NdjsonImportError(path, no + 1, { path: '(file)', problem: `is not a complete gzip stream (${(e as Error).message})`, received: 'gzip data' });
    throw e;
  } finally {
    // The consumer stops at the first bad line; release the file then, not at exit.
    input.destroy();
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The file's bytes, gunzipped when it starts with gzip's magic number (whatever its name): `export --out x.ndjson.gz` compresses. */
async function readMaybeGzipped(path: string, onBytes?: (bytes: number) => void): Promise<Readable> {
  const head = Buffer.alloc(2);
  const fd = await open(path, 'r');
  try {
    await fd.read(head, 0, 2, 0);
  } finally {
    await fd.close();
  }
  const raw = createReadStream(path);
  if (onBytes) {
    let read = 0;
    raw.on('data', (chunk) => onBytes((read += chunk.length)));
  }
  if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) return raw;
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  gunzip.on('close', () => raw.destroy());
  return raw.pipe(gunzip);
}

function tooLong(path: string, no: number): NdjsonImportError {
  return new NdjsonImportError(path, no, { path: '(line)', problem: `is longer than ${MAX_LINE_BYTES} bytes, the longest line that can be read`, received: `more than ${MAX_LINE_BYTES} bytes` });
}

/** Stored hashes by seq, read a page at a time as the file advances. */
function storedHashes(store: EventStore, runPk: number): (seq: number) => Promise<string | null> {
  let page = new Map<number, string>();
  return async (seq) => {
    if (!page.has(seq)) {
      const rows = await store.readBySeq(runPk, seq, BATCH);
      page = new Map(rows.map((r) => [r.seq, Buffer.from(r.hash).toString('hex')]));
    }
    return page.get(seq) ?? null;
  };
}
