import { h } from './dom.js';
import type { SegmentIndex } from './segment-index.js';

/**
 * A scrubber over every decision of a run: a strip of episodes (alternating shades, so their
 * boundaries show), a cursor, click or drag to jump, play/pause at a chosen speed, step back and
 * forward, and a box to jump to a decision id. `onSelect` gets the index into the decision index.
 */
export class Timeline {
  readonly el: HTMLElement;
  private index: SegmentIndex;
  private at = 0;
  private timer: number | null = null;
  private readonly canvas = h('canvas');
  private readonly cursor = h('div', { class: 'cursor' });
  private readonly label = h('span', { class: 'mono', id: 'timeline-label' });
  private readonly play = h('button', { id: 'timeline-play', title: 'play / pause' }, '▶ play');
  private readonly speed = h('select', { id: 'timeline-speed' }, ['1', '4', '16', '64'].map((s) => h('option', { value: s }, `${s}/s`)));
  private readonly jump = h('input', { id: 'timeline-jump', size: 8, placeholder: 'decision' });

  constructor(
    index: SegmentIndex,
    private readonly onSelect: (i: number) => void,
  ) {
    this.index = index;
    const strip = h('div', { class: 'timeline', id: 'timeline' }, this.canvas, this.cursor);
    let dragging = false;
    const pick = (ev: PointerEvent) => {
      const r = strip.getBoundingClientRect();
      this.select(Math.floor(((ev.clientX - r.left) / r.width) * this.index.length));
    };
    strip.addEventListener('pointerdown', (ev) => ((dragging = true), strip.setPointerCapture(ev.pointerId), pick(ev)));
    strip.addEventListener('pointermove', (ev) => dragging && pick(ev));
    strip.addEventListener('pointerup', () => (dragging = false));
    this.play.addEventListener('click', () => this.toggle());
    this.speed.addEventListener('change', () => this.timer !== null && (this.toggle(), this.toggle()));
    this.jump.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter') return;
      const d = Number(this.jump.value);
      const i = Number.isInteger(d) ? this.index.indexOf(d) : -1;
      if (i >= 0) this.select(i);
      else this.jump.setCustomValidity(`no decision ${this.jump.value}`), this.jump.reportValidity();
    });
    this.jump.addEventListener('input', () => this.jump.setCustomValidity(''));
    this.el = h(
      'div',
      { class: 'card' },
      h('div', { class: 'toolbar' }, h('button', { id: 'timeline-prev', onclick: () => this.select(this.at - 1), title: 'previous decision' }, '◀ step'), this.play, h('button', { id: 'timeline-next', onclick: () => this.select(this.at + 1), title: 'next decision' }, 'step ▶'), this.speed, 'jump to', this.jump, this.label),
      strip,
    );
    new ResizeObserver(() => this.paint()).observe(strip);
  }

  /** The index grew (the page's stream brought more, or a run being recorded did): the strip covers the new decisions. */
  update(): void {
    this.paint();
    // The first decisions of a run opened before it had any: show the first; else keep the
    // position and say how many there are now.
    if (this.label.textContent === '' && this.index.length > 0) this.select(0);
    else if (this.index.length > 0) {
      this.placeCursor();
      this.describe();
    }
  }

  private describe(): void {
    const n = this.index.length;
    const p = this.index.at(this.at);
    this.label.textContent = `decision ${p.decision} · episode ${p.episode ?? '–'} step ${p.step ?? '–'} · ${this.at + 1} of ${n}`;
  }

  select(i: number): void {
    const n = this.index.length;
    if (n === 0) return;
    this.at = Math.max(0, Math.min(n - 1, i));
    this.placeCursor();
    this.describe();
    this.onSelect(this.at);
  }

  get position(): number {
    return this.at;
  }

  private toggle(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      this.play.textContent = '▶ play';
      return;
    }
    this.play.textContent = '❚❚ pause';
    this.timer = window.setInterval(() => {
      if (this.at >= this.index.length - 1) return this.toggle();
      this.select(this.at + 1);
    }, 1000 / Number(this.speed.value));
  }

  private placeCursor(): void {
    const n = this.index.length;
    this.cursor.style.left = `${n <= 1 ? 0 : (this.at / (n - 1)) * 100}%`;
  }

  private paint(): void {
    const w = this.canvas.clientWidth;
    const ht = this.canvas.clientHeight;
    if (w === 0) return;
    this.canvas.width = w;
    this.canvas.height = ht;
    const ctx = this.canvas.getContext('2d')!;
    const n = this.index.length;
    ctx.fillStyle = '#eaeef2';
    ctx.fillRect(0, 0, w, ht);
    // One column per pixel, shaded by the episode of its first decision.
    for (let x = 0; x < w; x++) {
      if (n === 0) break;
      const e = this.index.at(Math.floor((x / w) * n)).episode ?? 0;
      ctx.fillStyle = e % 2 === 0 ? '#a8c7fa' : '#6c9ee8';
      ctx.fillRect(x, 6, 1, ht - 12);
    }
    this.placeCursor();
  }
}
