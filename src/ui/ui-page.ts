/**
 * The viewer's one HTML page: the bundled front end (dist/web/app.js, scripts/build-web.mjs, with
 * uPlot as a chunk of it that the first chart imports) and uPlot's stylesheet, both served by the
 * viewer's own server (nothing from a network). The page is the same for every route (the front
 * end routes on the URL's hash) and holds no data; `prefetch` (prefetch.ts, built alone) is held
 * inline and starts the current page's first API requests.
 */
export function uiPage(prefetch = ''): string {
  // One script for the front end: the decision request then shares the browser's six connections
  // with one file, not with seventeen modules.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<script type="module" async>${inlineModule(prefetch)}</script>
<title>flightrec</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/vendor/uplot.css">
<style>${CSS}</style>
<script type="module" src="/app/app.js"></script>
</head><body><header><a href="#/" class="brand">flightrec</a><nav id="crumbs"></nav><span id="status"></span></header><main id="app"><p class="muted">loading…</p></main></body></html>
`;
}

const CSS = `
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--accent:#0969da;--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--na:#6e7781}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{display:flex;gap:16px;align-items:center;padding:8px 16px;border-bottom:1px solid var(--line);background:var(--bg);position:sticky;top:0;z-index:5}
.brand{font-weight:700;color:var(--fg);text-decoration:none}#crumbs a{color:var(--accent)}#status{margin-left:auto;color:var(--muted);font-size:12px}
main{padding:12px 16px;max-width:1400px;margin:0 auto}a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:20px;margin:4px 0 8px}h2{font-size:16px;margin:20px 0 6px;border-bottom:1px solid var(--line);padding-bottom:3px}h3{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top;white-space:nowrap}
th{background:var(--bg);position:sticky;top:41px;cursor:pointer;user-select:none;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr:hover td{background:#f0f6ff}.muted{color:var(--muted)}code,.mono{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.v{font-weight:700;text-transform:uppercase;color:#fff;border-radius:4px;padding:0 5px;font-size:11px;margin-right:3px}
.v.pass{background:var(--pass)}.v.warn{background:var(--warn)}.v.fail{background:var(--fail)}.v.not_available{background:var(--na)}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0;background:#fff}
.chart{min-height:200px;overflow:hidden}.toolbar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:6px 0}
input,select,button{font:inherit;padding:3px 8px;border:1px solid var(--line);border-radius:5px;background:#fff}button{cursor:pointer;background:var(--bg)}button:hover{border-color:var(--accent)}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}
.timeline{position:relative;height:46px;border:1px solid var(--line);border-radius:4px;background:var(--bg);cursor:pointer;user-select:none}
.timeline canvas{position:absolute;inset:0;width:100%;height:100%}.timeline .cursor{position:absolute;top:0;bottom:0;width:2px;background:var(--fail);pointer-events:none}
.tree{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}.tree details{margin-left:14px}.tree summary{cursor:pointer;white-space:nowrap}.tree .chosen{color:var(--fail);font-weight:700}
.bar{display:inline-block;height:9px;background:var(--accent);vertical-align:middle;margin-right:4px}.bar.neg{background:var(--fail)}
.pill{display:inline-block;border:1px solid var(--line);border-radius:10px;padding:0 8px;font-size:12px;background:var(--bg)}
.flip{color:var(--fail);font-weight:600}.err{color:var(--fail);white-space:pre-wrap}progress{width:260px}
.obs{display:flex;gap:16px;align-items:flex-start}.obs svg{border:1px solid var(--line);border-radius:4px;background:#fff}
.tensor{max-width:520px;white-space:normal;word-break:break-all}
`;


/** A module's source to hold inline in the page (prefetch.js: bundled alone, so it runs where it stands). */
function inlineModule(source: string): string {
  return source.replace(/^\/\/# sourceMappingURL=.*$/m, '').replace(/<\/script/gi, '<\\/script');
}
