import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One compiled file of the front end, held in memory with its validator. */
export interface WebAsset {
  body: string;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

/**
 * The compiled front end (dist/web), read once when the server starts. A page load asks for
 * about twenty small files; reading each from disk per request, under load, cost ~100 ms a round
 * of them, and without a validator every reload sent them whole. Here a request is a lookup, a
 * reload is a 304, and the page shell can list every module for the browser to fetch in one round
 * (`moduleGraph`, for `<link rel="modulepreload">`) instead of discovering the import graph level
 * by level.
 */
export class WebAssets {
  private readonly files = new Map<string, WebAsset>();

  constructor(readonly root: string) {
    for (const rel of walk(root)) {
      const type = TYPES[path.extname(rel)];
      if (type === undefined) continue;
      const body = readFileSync(path.join(root, rel), 'utf8');
      this.files.set(rel.split(path.sep).join('/'), webAsset(body, type));
    }
  }

  /** The file at `rel` (a path under the root, `/`-separated), or undefined. */
  get(rel: string): WebAsset | undefined {
    return this.files.get(rel);
  }

  /**
   * The modules `entry` loads, itself first then in the order its imports are met (a path under
   * the root): what a page needs, without the files of type-only modules that no import names.
   * Empty when the front end is not built.
   */
  moduleGraph(entry: string): string[] {
    const seen = new Set<string>();
    const visit = (rel: string) => {
      const file = this.files.get(rel);
      if (file === undefined || seen.has(rel)) return;
      seen.add(rel);
      for (const m of file.body.matchAll(/^\s*(?:import|export)\b[^'";]*?(?:from\s*)?['"](\.{1,2}\/[^'"]+)['"]/gm)) visit(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]!)));
    };
    visit(entry);
    return [...seen];
  }
}

/** A file's body with its type and a validator derived from its content. */
export function webAsset(body: string, type: string): WebAsset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function walk(root: string, rel = ''): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return []; // not built: requests answer 404 with a hint
  }
  return entries.flatMap((e) => (e.isDirectory() ? walk(root, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}
