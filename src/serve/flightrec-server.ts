import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlightrecError } from '../errors/flightrec-error.js';
import { eventType } from '../events/registry.js';
import { readEvents } from '../store/event-reader.js';
import { toNdjsonValue } from '../store/ndjson/ndjson-value.js';
import { runView } from '../store/run-view.js';
import type { EventStore } from '../store/event-store.js';
import { showDecision } from '../show/show-decision.js';
import { toJsonView } from '../show/to-json-view.js';
import { HttpError } from './http-error.js';
import { parseIngestLine } from './ingest-line.js';
import { IngestQueue } from './ingest-queue.js';
import { IngestWriter, type IngestLine } from './ingest-writer.js';
import { bodyLines, readBody } from './read-body.js';
import { ServerAccess } from './server-access.js';
import { withLiveStatus } from '../store/run-liveness.js';

export interface ServeOptions {
  store: EventStore;
  access: ServerAccess;
  /** 0 picks a free port. */
  port: number;
  /** Batches in the queue (being received or waiting to be written) before the server answers 429. */
  maxQueue?: number;
  maxBodyBytes?: number;
  maxLineBytes?: number;
  /** Seconds a 429 asks the client to wait. */
  retryAfterSeconds?: number;
  /** Compact each run when its client ends it (SQLite; the ending batch's answer waits for it). */
  compact?: boolean;
}

export const SERVE_DEFAULTS = { maxQueue: 64, maxBodyBytes: 64 * 1024 * 1024, maxLineBytes: 16 * 1024 * 1024, retryAfterSeconds: 1 } as const;

const MAX_READ_LIMIT = 10_000;

/**
 * flightrec's HTTP API (`flightrec serve`). Writes: `POST /v1/runs/<run>/events?from=<seq>` with
 * NDJSON lines (gzip accepted), all-or-nothing and idempotent (IngestWriter). Reads: `GET /v1/runs`,
 * `/v1/runs/<run>`, `/v1/runs/<run>/events`, `/v1/runs/<run>/decisions/<d>`, as JSON. Every error is
 * a JSON body `{ "error": { code, message, ...details } }` with a 4xx for the client's mistakes.
 */
export class FlightrecServer {
  private readonly queue: IngestQueue;
  private readonly writer: IngestWriter;
  private readonly limits;
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly options: ServeOptions,
    private readonly http: Server,
  ) {
    this.queue = new IngestQueue(options.maxQueue ?? SERVE_DEFAULTS.maxQueue);
    this.writer = new IngestWriter(options.store, { compact: options.compact ?? false });
    this.limits = {
      maxBodyBytes: options.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes,
      maxInflatedBytes: options.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes,
      maxLineBytes: options.maxLineBytes ?? SERVE_DEFAULTS.maxLineBytes,
    };
  }

  /** Starts listening on the access rule's host; resolves once bound. */
  static async start(options: ServeOptions): Promise<FlightrecServer> {
    let self: FlightrecServer | undefined;
    const http = createServer((req, res) => void self!.handle(req, res));
    self = new FlightrecServer(options, http);
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port, options.access.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    return self;
  }

  /** The address clients use, e.g. `http://127.0.0.1:7878`. */
  get url(): string {
    const a = this.http.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /**
   * Stops taking requests, answers every batch already queued, writes it, and lets go of the
   * runs (they stay 'recording'; clients continue them once a server is back). The store is the
   * caller's to close.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.http.closeIdleConnections();
      await this.queue.drained();
      await this.writer.releaseAll();
      this.http.closeAllConnections();
      await closed;
    })();
    return this.stopping;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.options.access.allows(req)) {
        throw new HttpError(401, 'UNAUTHORIZED', 'this server requires a bearer token: send Authorization: Bearer <token>', {}, { 'WWW-Authenticate': ServerAccess.challenge });
      }
      const url = requestUrl(req.url ?? '/');
      const parts = url.pathname.split('/').filter(Boolean).map((p) => decodePart(p, url.pathname));
      if (parts[0] !== 'v1') throw notFound(url.pathname);
      const [, what, runId, sub, arg] = parts;
      if (req.method === 'POST' && what === 'runs' && runId !== undefined && sub === 'events' && arg === undefined) return await this.ingest(req, res, runId, url);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} ${url.pathname} is not supported`, { field: 'method', received: req.method });
      if (what === 'health' && runId === undefined) return send(res, 200, { ok: true, queue: this.queue.size, capacity: this.queue.capacity });
      if (what !== 'runs') throw notFound(url.pathname);
      const store = this.options.store;
      if (runId === undefined) return send(res, 200, { runs: await Promise.all((await store.listRuns()).map(async (r) => runView(await withLiveStatus(store, r)))) });
      if (sub === undefined) return send(res, 200, runView(await withLiveStatus(store, await store.getRun(runId))));
      if (sub === 'events' && arg === undefined) return send(res, 200, await this.readEventsPage(runId, url.searchParams));
      if (sub === 'decisions' && arg !== undefined && parts.length === 5) return send(res, 200, toJsonView(await showDecision(store, runId, intParam('decision', arg))));
      throw notFound(url.pathname);
    } catch (e) {
      // An unread body would otherwise be taken as the next request on a kept-alive connection.
      if (!req.complete) res.setHeader('Connection', 'close');
      sendError(res, e);
    }
  }

  private async ingest(req: IncomingMessage, res: ServerResponse, runId: string, url: URL): Promise<void> {
    if (this.stopping !== null) throw new HttpError(503, 'SERVER_STOPPING', 'the server is stopping; send this batch again to the next one', {}, { 'Retry-After': String(this.options.retryAfterSeconds ?? SERVE_DEFAULTS.retryAfterSeconds) });
    const fromText = url.searchParams.get('from');
    if (fromText === null) throw new HttpError(400, 'INVALID_BATCH', 'a batch names the seq of its first event: POST …/events?from=<seq>', { field: 'from', received: 'undefined (missing)' });
    const from = intParam('from', fromText);
    if (!this.queue.enter()) {
      const wait = String(this.options.retryAfterSeconds ?? SERVE_DEFAULTS.retryAfterSeconds);
      throw new HttpError(429, 'SERVER_BUSY', `the write queue is full (${this.queue.capacity} batches); retry after ${wait} s`, { queue: this.queue.capacity }, { 'Retry-After': wait });
    }
    try {
      const body = await readBody(req, this.limits);
      const result = await this.queue.serial(async () => {
        const lines: IngestLine[] = [];
        for (const { no, text } of bodyLines(body, this.limits.maxLineBytes)) lines.push({ no, event: parseIngestLine(text, no) });
        if (lines.length === 0) throw new HttpError(400, 'INVALID_BATCH', 'the batch holds no event (one JSON event per line)', { field: 'body', received: `${body.length} bytes` });
        return await this.writer.append(runId, from, lines);
      });
      send(res, 200, result);
    } finally {
      this.queue.leave();
    }
  }

  private async readEventsPage(runId: string, q: URLSearchParams) {
    const opt = (name: string) => (q.has(name) ? intParam(name, q.get(name)!) : undefined);
    const types = q.get('type')?.split(',').filter(Boolean);
    for (const t of types ?? []) {
      try {
        eventType(t);
      } catch (e) {
        throw new HttpError(400, 'INVALID_QUERY', (e as Error).message, { field: 'type', received: t });
      }
    }
    const after = opt('after') ?? -1;
    const limit = Math.min(opt('limit') ?? 1000, MAX_READ_LIMIT);
    const filter = { types, episode: opt('episode'), decision: opt('decision'), component: q.get('component') ?? undefined, seqFrom: after + 1, limit: limit + 1 };
    const events: unknown[] = [];
    let more = false;
    for await (const e of readEvents(this.options.store, runId, filter)) {
      if (events.length === limit) {
        more = true;
        break;
      }
      const { payload, ...envelope } = e;
      events.push({ ...envelope, payload: toNdjsonValue(payload) });
    }
    const last = events[events.length - 1] as { seq: number } | undefined;
    return { run: runId, events, next: more && last !== undefined ? last.seq : null };
  }
}

function intParam(field: string, text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, 'INVALID_QUERY', `${field} must be an integer, 0 or more`, { field, received: JSON.stringify(text) });
  return Number(text);
}

/** The request's URL; a target that does not parse as a path (`//`, `//x:y`) is the client's mistake, not a 500. */
function requestUrl(target: string): URL {
  try {
    return new URL(target, 'http://flightrec');
  } catch {
    throw new HttpError(400, 'INVALID_QUERY', `the request target ${JSON.stringify(target.slice(0, 200))} is not a valid path`, { field: 'path', received: target.slice(0, 200) });
  }
}

function decodePart(part: string, path: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, 'INVALID_QUERY', `the path ${path} is not valid percent-encoding`, { field: 'path', received: path });
  }
}

function notFound(path: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', `no such endpoint: ${path}`, { field: 'path', received: path, hint: 'endpoints: GET /v1/runs, /v1/runs/<run>, /v1/runs/<run>/events, /v1/runs/<run>/decisions/<d>; POST /v1/runs/<run>/events?from=<seq>' });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = HttpError.statusOf(e);
  const headers = e instanceof HttpError ? e.headers : {};
  if (e instanceof FlightrecError && status < 500) {
    send(res, status, { error: { code: e.code, message: e.message, ...plain(e.details) } }, headers);
    return;
  }
  if (status !== 500) {
    send(res, status, { error: { code: (e as FlightrecError).code, message: (e as Error).message } }, headers);
    return;
  }
  process.stderr.write(`flightrec serve: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  send(res, 500, { error: { code: 'INTERNAL', message: 'internal error (see the server log)' } });
}

/** Details as JSON-safe values (errors carry Uint8Arrays or objects now and then). */
function plain(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(details, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))) as Record<string, unknown>;
}
