import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One built file of the front end, held in memory with its validator. */
export interface WebAsset {
  body: string;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

/**
 * The built front end (dist/web, scripts/build-web.mjs: the bundle app.js, its uPlot chunk, their
 * source maps and prefetch.js), read once when the server starts: a request is a lookup, and a reload is a 304
 * (reading from disk per request cost ~100 ms a page under load, and without a validator every
 * reload sent the files whole).
 */
export class WebAssets {
  private readonly files = new Map<string, WebAsset>();

  constructor(readonly root: string) {
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return; // not built: requests answer 404 with a hint
    }
    for (const name of names) {
      const type = TYPES[path.extname(name)];
      if (type !== undefined) this.files.set(name, webAsset(readFileSync(path.join(root, name), 'utf8'), type));
    }
  }

  /** The file named `name` (directly under the root), or undefined. */
  get(name: string): WebAsset | undefined {
    return this.files.get(name);
  }
}

/** A file's body with its type and a validator derived from its content. */
export function webAsset(body: string, type: string): WebAsset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}
