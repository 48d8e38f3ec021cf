import { fmt, h } from './dom.js';
import type { Drawing, Num, Tensor } from './types.js';

const SVG = 'http://www.w3.org/2000/svg';
const TILE_COLORS: Record<string, string> = { '#': '#57606a', G: '#2da44e', S: '#d4a72c', A: '#ddf4ff', '.': '#ffffff' };

function s(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const n = (v: Num | undefined) => (typeof v === 'number' ? v : Number(v));

/**
 * An observation drawn the way its environment means it: the grid with the agent's cell, the cart
 * and its pole, the pendulum; otherwise its values by name.
 */
export function drawObservation(drawing: Drawing, t: Tensor, caption: string | null): HTMLElement {
  const data = t.data;
  let pic: SVGElement | HTMLElement;
  if (drawing.kind === 'grid') {
    const rows = drawing.layout.length;
    const cols = drawing.layout[0]?.length ?? 0;
    const c = 36;
    const svg = s('svg', { width: cols * c, height: rows * c, viewBox: `0 0 ${cols * c} ${rows * c}`, class: 'grid-obs' });
    let hot = -1;
    for (let i = 0; i < data.length; i++) if (hot < 0 || n(data[i]) > n(data[hot])) hot = i;
    drawing.layout.forEach((line, r) =>
      [...line].forEach((tile, col) => {
        svg.appendChild(s('rect', { x: col * c, y: r * c, width: c - 1, height: c - 1, fill: TILE_COLORS[tile] ?? '#fff', stroke: '#d0d7de' }));
        if (tile !== '.' && tile !== '#') svg.appendChild(s('text', { x: col * c + 4, y: r * c + 13, 'font-size': 11, fill: '#1f2328' }, tile));
      }),
    );
    if (hot >= 0 && n(data[hot]) > 0) {
      const r = Math.floor(hot / cols);
      svg.appendChild(s('circle', { cx: (hot % cols) * c + c / 2, cy: r * c + c / 2, r: c / 3, fill: '#cf222e', opacity: Math.max(0.3, Math.min(1, n(data[hot]))) }));
    }
    pic = svg;
  } else if (drawing.kind === 'cart-pole') {
    const w = 260;
    const ht = 120;
    const x = n(data[drawing.x]);
    const theta = n(data[drawing.theta]);
    const cx = w / 2 + (x / drawing.x_limit) * (w / 2 - 20);
    const svg = s('svg', { width: w, height: ht, viewBox: `0 0 ${w} ${ht}` });
    svg.appendChild(s('line', { x1: 0, y1: ht - 20, x2: w, y2: ht - 20, stroke: '#57606a' }));
    svg.appendChild(s('rect', { x: cx - 18, y: ht - 32, width: 36, height: 16, fill: '#0969da' }));
    const len = 70;
    svg.appendChild(s('line', { x1: cx, y1: ht - 32, x2: cx + len * Math.sin(theta), y2: ht - 32 - len * Math.cos(theta), stroke: '#9a6700', 'stroke-width': 6, 'stroke-linecap': 'round' }));
    pic = svg;
  } else if (drawing.kind === 'pendulum') {
    const w = 140;
    const svg = s('svg', { width: w, height: w, viewBox: `0 0 ${w} ${w}` });
    const angle = Math.atan2(n(data[drawing.sin]), n(data[drawing.cos]));
    const len = 55;
    svg.appendChild(s('circle', { cx: w / 2, cy: w / 2, r: 4, fill: '#57606a' }));
    svg.appendChild(s('line', { x1: w / 2, y1: w / 2, x2: w / 2 + len * Math.sin(angle), y2: w / 2 - len * Math.cos(angle), stroke: '#9a6700', 'stroke-width': 6, 'stroke-linecap': 'round' }));
    pic = svg;
  } else {
    pic = h('table', { class: 'mono' }, data.slice(0, 32).map((v, i) => h('tr', null, h('td', null, drawing.names?.[i] ?? `[${i}]`), h('td', { class: 'num' }, fmt(v)))));
  }
  return h('div', { class: 'obs' }, pic, h('div', null, caption ? h('div', null, caption) : null, h('div', { class: 'muted mono' }, `${t.dtype}[${t.shape.join(', ')}]`)));
}
