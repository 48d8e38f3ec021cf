import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { HttpError } from './http-error.js';

const gunzipAsync = promisify(gunzip);

export interface BodyLimits {
  /** Largest body accepted as sent (compressed or not), in bytes. */
  maxBodyBytes: number;
  /** Largest body once decompressed, in bytes (a small gzip can inflate to gigabytes). */
  maxInflatedBytes: number;
}

/**
 * A request's body, decompressed when `Content-Encoding: gzip`. Over a limit it is a 413 as soon
 * as the limit is passed (the rest is not read); a truncated or corrupt gzip is a 400; another
 * encoding is a 415.
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new HttpError(415, 'UNSUPPORTED_ENCODING', `Content-Encoding ${JSON.stringify(encoding)} is not supported: send identity or gzip`, { field: 'Content-Encoding', received: encoding });
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes, `${declared} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes, `more than ${limits.maxBodyBytes} bytes`);
    parts.push(chunk);
  }
  const body = Buffer.concat(parts, size);
  if (encoding === 'identity') return body;
  try {
    return await gunzipAsync(body, { maxOutputLength: limits.maxInflatedBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test(err.message)) throw tooLarge(limits.maxInflatedBytes, 'a gzip body that inflates further', 'inflated');
    throw new HttpError(400, 'INVALID_BATCH', `the gzip body could not be decompressed (${err.code ?? err.message}): truncated or corrupt; nothing of this batch was stored`, { field: 'body', received: `${size} gzip bytes` });
  }
}

function tooLarge(limit: number, received: string, what = 'sent'): HttpError {
  return new HttpError(413, 'BATCH_TOO_LARGE', `the body is larger than ${limit} bytes ${what}; send smaller batches (nothing of this batch was stored)`, { field: 'body', limit, received });
}

/**
 * The body's lines with their 1-based numbers (blank lines skipped but counted), decoded as strict
 * UTF-8; a line over `maxLineBytes` or invalid UTF-8 is a 400/413 naming the line.
 */
export function* bodyLines(body: Buffer, maxLineBytes: number): Generator<{ no: number; text: string }> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let no = 0;
  for (let start = 0; start < body.length; ) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    no++;
    let stop = end;
    if (stop > start && body[stop - 1] === 0x0d) stop--;
    if (stop - start > maxLineBytes) {
      throw new HttpError(413, 'BATCH_TOO_LARGE', `line ${no} is longer than ${maxLineBytes} bytes; nothing of this batch was stored`, { line: no, field: '(line)', received: `${stop - start} bytes` });
    }
    let text: string;
    try {
      text = utf8.decode(body.subarray(start, stop));
    } catch {
      throw new HttpError(400, 'INVALID_BATCH', `line ${no}: (line): is not valid UTF-8, received ${stop - start} bytes; nothing of this batch was stored`, { line: no, field: '(line)', received: `${stop - start} bytes` });
    }
    if (text.trim() !== '') yield { no, text };
    start = end + 1;
  }
}
