import { ApiError } from './api.js';
import { auditView } from './audit-view.js';
import { decisionView } from './decision-view.js';
import { diffView } from './diff-view.js';
import { h, mount, runLink } from './dom.js';
import { runView } from './run-view.js';
import { runsView } from './runs-view.js';

/** The viewer's routes, on the URL's hash (the server serves one page). */
const ROUTES: [RegExp, (app: HTMLElement, m: string[], isCurrent: () => boolean) => Promise<void>][] = [
  [/^#?\/?$/, (app) => runsView(app)],
  [/^#\/run\/([^/]+)$/, (app, m, cur) => runView(app, m[1]!, cur)],
  [/^#\/run\/([^/]+)\/decision\/([^/]+)$/, (app, m) => decisionView(app, m[1]!, m[2]!)],
  [/^#\/run\/([^/]+)\/audit$/, (app, m) => auditView(app, m[1]!)],
  [/^#\/diff\/([^/]+)\/([^/]+)$/, (app, m) => diffView(app, m[1]!, m[2]!)],
];

let generation = 0;

async function route(): Promise<void> {
  const app = document.getElementById('app')!;
  const mine = ++generation;
  delete app.dataset.ready;
  document.getElementById('status')!.textContent = '';
  const hash = location.hash;
  const found = ROUTES.map(([re, view]) => [re.exec(hash), view] as const).find(([m]) => m !== null);
  const crumbs = document.getElementById('crumbs')!;
  const run = /^#\/(?:run|diff)\/([^/]+)/.exec(hash)?.[1];
  mount(crumbs, h('a', { href: '#/' }, 'runs'), run ? [' / ', runLink(decodeURIComponent(run))] : null);
  if (!found) {
    mount(app, h('p', { class: 'err' }, `no page ${hash}`), h('a', { href: '#/' }, 'all runs'));
    return;
  }
  const [m, view] = found;
  try {
    await view(app, [...m!].map((x) => decodeURIComponent(x ?? '')), () => mine === generation);
    // When the page was ready, for the benchmark (bench/ui-benchmark.ts) and the curious.
    if (mine === generation) app.dataset.readyAt = String(Math.round(performance.now()));
  } catch (e) {
    if (mine !== generation) return;
    // A bad id in the URL is the user's to fix: say what was not found, as the CLI does.
    mount(app, h('p', { class: 'err', id: 'error' }, e instanceof ApiError ? `[${e.code}] ${e.message}` : String(e)), h('a', { href: '#/' }, 'all runs'));
    app.dataset.ready = 'error';
  }
}

window.addEventListener('hashchange', () => void route());
void route();
