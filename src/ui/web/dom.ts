/** Children accepted by `h`: nodes, text, and nothing (null/undefined/false are skipped). */
export type Child = Node | string | number | null | undefined | false | Child[];

/**
 * Builds an element: `h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child)`. Attributes
 * whose name starts with `on` become listeners; text children are text nodes (never HTML), so no
 * recorded string can inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's content. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A number for people: 4 significant digits, the JSON view's special numbers as they are. */
export function fmt(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return v.toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toString();
}

export function verdictBadge(name: string | null, verdict: string): HTMLElement {
  return h('span', { class: `v ${verdict}`, title: name ? `${name}: ${verdict}` : verdict }, name ? `${name} ${verdict.replace('_', ' ')}` : verdict.replace('_', ' '));
}

export const runLink = (id: string) => h('a', { href: `#/run/${encodeURIComponent(id)}` }, id);
export const decisionLink = (run: string, d: number, text?: string) => h('a', { href: `#/run/${encodeURIComponent(run)}/decision/${d}` }, text ?? `decision ${d}`);
