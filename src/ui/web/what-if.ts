import { ApiError, post } from './api.js';
import { decisionLink, fmt, h, runLink } from './dom.js';
import { followJob } from './jobs.js';
import type { Job, ReplayResult } from './types.js';

const ROLES = ['reward', 'critic', 'world_model', 'actor'];

/**
 * The what-if form: a swap (another recorded version of a component, or a module path) and/or a
 * planner setting. The server re-decides every decision of the run (open loop) with progress;
 * `onDone` gets the derived run.
 */
export function whatIfPanel(run: string, versions: Record<string, string[]>, roleOf: Record<string, string>, onDone: (r: ReplayResult) => void): HTMLElement {
  const role = h('select', { id: 'whatif-role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const spec = h('input', { id: 'whatif-spec', list: 'whatif-specs', size: 44, placeholder: 'module:examples/goal-reward.mjs or @<version> or @latest' });
  const specs = h('datalist', { id: 'whatif-specs' });
  const fillSpecs = () => {
    const names = Object.entries(roleOf).filter(([, r]) => r === role.value).map(([n]) => n);
    const vs = names.flatMap((n) => versions[n] ?? []);
    specs.replaceChildren(...['@latest', ...vs.slice(-12).reverse().map((v) => `@${v}`), role.value === 'reward' ? 'module:examples/goal-reward.mjs' : null].filter((x): x is string => x !== null).map((v) => h('option', { value: v })));
  };
  role.addEventListener('change', fillSpecs);
  fillSpecs();
  const setting = h('input', { id: 'whatif-setting', size: 20, placeholder: 'planner.horizon=1' });
  const out = h('div', { id: 'whatif-out' });
  const go = h('button', { class: 'primary', id: 'whatif-go' }, 'run what-if');
  go.addEventListener('click', async () => {
    const swaps = spec.value.trim() === '' ? [] : [`${role.value}=${spec.value.trim()}`];
    const settings = setting.value.trim() === '' ? [] : [setting.value.trim()];
    go.disabled = true;
    try {
      const job = await post<Job>(`/api/runs/${encodeURIComponent(run)}/replay`, { swaps, settings });
      const done = await followJob(job, out, `replay ${[...swaps, ...settings].join(' ')}`);
      if (done.status === 'done') {
        const r = done.result as ReplayResult;
        out.appendChild(replaySummary(r));
        onDone(r);
      }
    } catch (e) {
      out.replaceChildren(h('div', { class: 'err' }, e instanceof ApiError ? `[${e.code}] ${e.message}` : String(e)));
    } finally {
      go.disabled = false;
    }
  });
  return h('div', { class: 'card', id: 'whatif' }, h('h3', null, 'What if…'), h('div', { class: 'toolbar' }, 'swap', role, '=', spec, specs, 'and/or set', setting, go), out);
}

export function replaySummary(r: ReplayResult): HTMLElement {
  return h(
    'div',
    { class: 'replay-summary' },
    h('p', null, 'derived run ', runLink(r.derived_run), `: ${fmt(r.decisions)} decisions re-decided, `, h('span', { class: 'flip' }, `${fmt(r.flipped)} flipped`), ` (${(100 * r.flip_rate).toFixed(1)}%), mean |Δ value| ${fmt(r.mean_abs_delta_value)}`),
    r.most_changed.length === 0
      ? null
      : h(
          'table',
          null,
          h('tr', null, h('th', null, 'decision'), h('th', null, 'episode'), h('th', null, 'step'), h('th', null, 'action'), h('th', null, 'value')),
          r.most_changed.map((d) =>
            h('tr', null, h('td', null, decisionLink(r.source_run, d.decision, String(d.decision))), h('td', null, d.episode ?? '–'), h('td', null, d.step ?? '–'), h('td', { class: d.action_before !== d.action_after ? 'flip' : '' }, `${d.action_before} → ${d.action_after}`), h('td', null, `${fmt(d.value_before)} → ${fmt(d.value_after)}`)),
          ),
        ),
  );
}
