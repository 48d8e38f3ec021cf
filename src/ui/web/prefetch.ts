/**
 * Starts the current page's API requests as soon as the page shell runs, before the rest of the
 * front end has arrived (the shell holds this module inline). A decision page's data then travels alongside the modules instead of after them (the
 * modules' arrival was most of a cold load). Only the pages that must paint fast are listed; a
 * path is taken once (a later navigation fetches afresh).
 */

/** The token the server printed in the page's URL (?token=…), sent with every API call. */
export const token = new URLSearchParams(location.search).get('token');

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return token === null ? extra : { ...extra, authorization: `Bearer ${token}` };
}

/**
 * The requests started, shared through a global: the page shell runs this module inline (so the
 * requests leave as soon as the page is parsed, not after this file arrives), and api.ts imports
 * it again as a file, a second instance that must find the first one's requests.
 */
const KEY = '__flightrecPrefetch';
const shared = globalThis as { [KEY]?: Map<string, Promise<Response>> };
const started = (shared[KEY] ??= startFirstRequests());

/** The API paths a page at `hash` reads first. */
export function firstRequests(hash: string): string[] {
  const decision = /^#\/run\/([^/]+)\/decision\/([^/]+)$/.exec(hash);
  if (decision) return [`/api/runs/${decision[1]}/decisions/${decision[2]}`];
  const run = /^#\/run\/([^/]+)$/.exec(hash);
  if (run) return [`/api/runs/${run[1]}`, `/api/runs/${run[1]}/overview`];
  return [];
}

/** A response already on its way for `path` (started by this module), or undefined; each is handed out once. */
export function takePrefetched(path: string): Promise<Response> | undefined {
  const p = started.get(path);
  started.delete(path);
  return p;
}

function startFirstRequests(): Map<string, Promise<Response>> {
  const out = new Map<string, Promise<Response>>();
  for (const path of firstRequests(location.hash)) {
    const p = fetch(path, { headers: authHeaders() });
    p.catch(() => undefined); // whoever takes it sees the error; an untaken one must not be an unhandled rejection
    out.set(path, p);
  }
  return out;
}
