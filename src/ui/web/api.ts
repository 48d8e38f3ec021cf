import { authHeaders as headers, takePrefetched } from './prefetch.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function check(res: Response): Promise<Response> {
  if (res.ok) return res;
  let code = 'HTTP_' + res.status;
  let message = res.statusText;
  try {
    const body = (await res.json()) as { error?: { code: string; message: string } };
    if (body.error) ({ code, message } = body.error);
  } catch {
    // not JSON: keep the status line
  }
  throw new ApiError(res.status, code, message);
}

/** A GET of the API: the page shell's early request for `path` when there is one (prefetch.ts), else a new one. */
async function fetchGet(path: string): Promise<Response> {
  return await check(await (takePrefetched(path) ?? fetch(path, { headers: headers() })));
}

export async function get<T>(path: string): Promise<T> {
  return (await (await fetchGet(path)).json()) as T;
}

export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  return (await (await check(await fetch(path, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) }))).json()) as T;
}

/** Reads an NDJSON response line by line as it streams in. */
export async function streamLines<T>(path: string, onLine: (v: T) => void): Promise<void> {
  const res = await fetchGet(path);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    // Walk the chunk's lines by index and keep only the unfinished tail: slicing the buffer after
    // every line copied the rest of it each time (quadratic; 0.8 s for 1,000 run summaries).
    let start = 0;
    let nl;
    while ((nl = buf.indexOf('\n', start)) >= 0) {
      const line = buf.slice(start, nl);
      start = nl + 1;
      if (line.trim()) onLine(JSON.parse(line) as T);
    }
    buf = buf.slice(start);
  }
}
