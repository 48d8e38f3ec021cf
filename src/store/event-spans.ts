/** Where one decision's or one episode's events lie in a run: the seqs of its first and last event. */
export interface SeqSpan {
  first: number;
  last: number;
}

/** The spans a batch adds, per decision id and per episode, as [key, first seq, last seq] triples flattened (key order of first appearance). */
export interface BatchSpans {
  decisions: number[];
  episodes: number[];
}

/**
 * The decision and episode spans of a batch of events, aggregated in memory so that a batch
 * writes one row per decision and per episode it touches instead of an index entry per event
 * (the projection tables of migration 0002). A key seen in an earlier batch is widened by the
 * store's upsert (min of firsts, max of lasts), so spans stay exact whatever order events come in.
 */
export function batchSpans(events: readonly { seq: number; decision: number | null; episode: number | null }[]): BatchSpans {
  return { decisions: spansOf(events, 'decision'), episodes: spansOf(events, 'episode') };
}

function spansOf(events: readonly { seq: number; decision: number | null; episode: number | null }[], key: 'decision' | 'episode'): number[] {
  const out: number[] = [];
  // Decisions and episodes almost always come in runs of equal keys: remember the last one's slot.
  let lastKey = -1;
  let lastAt = -1;
  let at: Map<number, number> | null = null;
  for (const e of events) {
    const k = e[key];
    if (k === null) continue;
    let i: number | undefined = k === lastKey ? lastAt : undefined;
    if (i === undefined) {
      at ??= new Map();
      i = at.get(k);
      if (i === undefined) {
        i = out.length;
        out.push(k, e.seq, e.seq);
        at.set(k, i);
      }
      lastKey = k;
      lastAt = i;
    }
    if (e.seq < out[i + 1]!) out[i + 1] = e.seq;
    if (e.seq > out[i + 2]!) out[i + 2] = e.seq;
  }
  return out;
}
