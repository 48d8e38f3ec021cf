// Bundles the viewer's front end (src/ui/web) into dist/web at build time, with esbuild:
//   app.js (+ app.js.map)  the whole front end as one ES module, from src/ui/web/main.ts, and
//                          uplot-<hash>.js (+ map), the chunk its charts import;
//   prefetch.js            prefetch.ts alone, which the page shell holds inline (it starts a
//                          page's first API request before app.js has arrived).
// One file because the page's time on a big run was the browser fetching ~17 modules over
// HTTP/1.1's six connections while the decision's API answer (2 ms on the server) waited for one
// of them (bench/README.md, "ui"). uPlot (its ES build) is a chunk of its own, uplot-<hash>.js,
// which chart-box.ts imports for the first chart: only pages with charts fetch it, after the page's
// own requests (measured better than a separate async script in the page shell).
//
// A plain .mjs rather than TypeScript: it runs in a clean clone (`npm ci` → prepare) with nothing
// compiled yet, and it is build tooling, not part of the package. Types are checked separately by
// `tsc -p tsconfig.web.json` (noEmit); esbuild only strips them.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/web');

// dist/web holds only this build's files: the server serves what it finds there.
rmSync(outdir, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // What tsconfig.web.json targets; the viewer runs in a current chromium/firefox.
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const results = await Promise.all([
  build({ ...common, entryPoints: { app: 'src/ui/web/main.ts' }, outdir, splitting: true, chunkNames: 'uplot-[hash]', sourcemap: 'linked', sourcesContent: true, metafile: true }),
  // No source map: it is inlined in the page, where a sourceMappingURL would point nowhere.
  build({ ...common, entryPoints: { prefetch: 'src/ui/web/prefetch.ts' }, outdir }),
]);

// Only the front end's own sources and uPlot may be in the bundle: a runtime import of zod or of
// a Node module would show up here instead of as a broken page.
const inputs = Object.keys(results[0].metafile.inputs);
const foreign = inputs.filter((f) => !/^src\/(ui\/web|charts)\/|(^|\/)node_modules\/uplot\//.test(f));
if (foreign.length > 0) {
  console.error(`build-web: the front end bundle pulls in files outside src/ui/web, src/charts and uplot: ${foreign.join(', ')}`);
  process.exit(1);
}
