import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { uplotSource } from '../charts/uplot-source.js';
import { FlightrecError, InvalidInputError } from '../errors/flightrec-error.js';
import { HttpError } from '../serve/http-error.js';
import type { EventStore } from '../store/event-store.js';
import { UiApi } from './ui-api.js';
import { uiPage } from './ui-page.js';
import { WebAssets, webAsset, type WebAsset } from './web-assets.js';

/** Who may call the API: the bind/token rule every flightrec server shares. */
export interface UiAccess {
  readonly host: string;
  readonly token: string | null;
  allows(req: IncomingMessage): boolean;
}

export interface UiServerOptions {
  store: EventStore;
  /** The database's path, for what-if replays (run in a child process with their own connection). */
  dbPath: string;
  access: UiAccess;
  /** 0 picks a free port. */
  port: number;
}

export interface UiServer {
  /** The page to open; carries the token when one is required. */
  url: string;
  port: number;
  api: UiApi;
  close(): Promise<void>;
}

/** The built front end (scripts/build-web.mjs): dist/web, beside dist/src. */
const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const MAX_BODY = 64 * 1024;

type Handler = (m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/**
 * `flightrec ui`'s HTTP server: the page shell and the bundled front end (public: code, no data),
 * and a JSON API under /api/ that requires the token when the access rule has one. Nothing is
 * loaded from anywhere but this server.
 */
export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const api = new UiApi(o.store, o.dbPath);
  const routes: [string, RegExp, Handler][] = [
    ['GET', /^\/api\/runs$/, () => api.runs()],
    ['GET', /^\/api\/runs\/summaries$/, async (_m, _req, res) => api.streamSummaries(res)],
    ['GET', /^\/api\/runs\/([^/]+)$/, (m) => api.run(m[1]!)],
    ['GET', /^\/api\/runs\/([^/]+)\/head$/, (m) => api.head(m[1]!)],
    ['GET', /^\/api\/runs\/([^/]+)\/overview$/, async (m, _req, res) => api.streamOverview(m[1]!, res)],
    ['GET', /^\/api\/runs\/([^/]+)\/decisions\/([^/]+)$/, (m) => api.decision(m[1]!, m[2]!)],
    ['GET', /^\/api\/runs\/([^/]+)\/audit$/, (m) => api.audit(m[1]!)],
    ['POST', /^\/api\/runs\/([^/]+)\/audit$/, (m) => api.verdicts(m[1]!)],
    ['GET', /^\/api\/diff\/([^/]+)\/([^/]+)$/, (m) => api.diff(m[1]!, m[2]!)],
    ['POST', /^\/api\/runs\/([^/]+)\/replay$/, async (m, req) => api.startReplay(m[1]!, await readJson(req))],
    ['POST', /^\/api\/runs\/([^/]+)\/decisions\/([^/]+)\/blame$/, async (m, req) => api.startBlame(m[1]!, m[2]!, await readJson(req))],
    ['GET', /^\/api\/jobs\/([^/]+)$/, async (m) => api.job(m[1]!)],
  ];
  // uPlot's script is a chunk of the bundle (dist/web); its stylesheet is the installed package's.
  const uplotCss = webAsset(uplotSource().css, 'text/css; charset=utf-8');
  const assets = new WebAssets(WEB_ROOT);
  const page = uiPage(assets.get('prefetch.js')?.body ?? '');

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => sendError(res, e));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    if (p.startsWith('/api/')) {
      if (!o.access.allows(req)) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="flightrec"' });
        res.end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'this server requires its token: Authorization: Bearer <token>' } }));
        return;
      }
      const segments = p.split('/').map((s) => decodeURIComponent(s)).join('/');
      for (const [method, re, fn] of routes) {
        const m = re.exec(segments);
        if (m === null) continue;
        if (req.method !== method) continue;
        const out = await fn(m, req, res);
        if (!res.headersSent) sendJson(res, req.method === 'POST' && (out as { id?: string }).id !== undefined && p.endsWith('/replay') ? 202 : 200, out);
        return;
      }
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no API route ${req.method} ${p}` } });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${p}` } });
      return;
    }
    if (p === '/vendor/uplot.css') return sendAsset(req, res, uplotCss);
    if (p.startsWith('/app/')) {
      const asset = assets.get(p.slice('/app/'.length));
      if (asset === undefined) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `${p} (is the front end built? npm run build)` } });
      return sendAsset(req, res, asset);
    }
    if (p === '/' || p === '/index.html') return sendText(res, page, 'text/html; charset=utf-8');
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: p } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new InvalidInputError(`--port ${o.port}: the port is in use`, { field: '--port', value: o.port }) : e),
    );
    server.listen(o.port, o.access.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.access.host.includes(':') ? `[${o.access.host}]` : o.access.host;
  return {
    url: `http://${host}:${port}/${o.access.token === null ? '' : `?token=${encodeURIComponent(o.access.token)}`}`,
    port,
    api,
    close: async () => {
      api.jobs.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** A file of the front end: 304 when the browser holds this very version (its ETag), else the file. */
function sendAsset(req: IncomingMessage, res: ServerResponse, asset: WebAsset): void {
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { etag: asset.etag, 'cache-control': 'no-cache' });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', etag: asset.etag });
  res.end(asset.body);
}

function sendText(res: ServerResponse, text: string, type: string): void {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
  res.end(text);
}

/** A FlightrecError gets the status every flightrec server gives it (HttpError.statusOf); anything else is the server's (500). */
function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e instanceof FlightrecError) {
    sendJson(res, HttpError.statusOf(e), { error: { code: e.code, message: e.message, details: e.details } });
    return;
  }
  sendJson(res, 500, { error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new InvalidInputError(`request body over ${MAX_BODY} bytes`, { field: 'body', value: size });
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch (e) {
    throw new InvalidInputError(`request body is not JSON: ${e instanceof Error ? e.message : String(e)}`, { field: 'body', value: null });
  }
}
