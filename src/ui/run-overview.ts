import { decodeRow } from '../store/decode-row.js';
import type { EventStore, RunRow } from '../store/event-store.js';
import type { EpisodeReturn, OverviewDelta, TimelineSegment, VersionChange } from './api-schemas.js';

/** Rows read per query: what the server holds of a run at once while folding it. */
const PAGE = 2000;

type Cursor = 'decision' | 'change' | 'episode';
const TYPES: Record<Cursor, string> = { decision: 'decision.started', change: 'component.updated', episode: 'episode.ended' };

/**
 * What a run's page shows of the whole run, as a projection folded over its events and kept:
 * episode returns, the timeline, and per component the decisions where its version changed.
 * Its size grows with episodes and version changes, not with events or decisions: the timeline
 * is held as segments of consecutive decisions (ids and steps counting up within one episode),
 * one or a few per episode. A fold reads the run page by page (keyset on the global position,
 * on the (run, type) index; no payload but the episode ends' is decoded) from where the last one
 * stopped, so a run being recorded costs only what it grew, and a finished run one pass.
 */
export class RunOverview {
  readonly episodes: EpisodeReturn[] = [];
  readonly timeline: TimelineSegment[] = [];
  readonly versions: Record<string, VersionChange[]> = {};
  decisions = 0;
  /** Every event of the run with seq ≤ this is folded in. */
  foldedTo = -1;
  /** Per row type, the global position (`pos`) of the last row folded. */
  private readonly after: Record<Cursor, number> = { decision: -1, change: -1, episode: -1 };
  /** The same cursors by seq, for a compacted run (its events have no pos). */
  private readonly afterSeq: Record<Cursor, number> = { decision: -1, change: -1, episode: -1 };
  /** Changes seen before any decision: they count from the run's first decision. */
  private pending: { component: string; version: string | null }[] = [];

  constructor(readonly run: string) {}

  /**
   * Folds the run's events with seq in (foldedTo, head], yielding after each page what it added,
   * as the run page's stream sends it: episodes first (a few rows: the returns chart paints at
   * once), then the timeline and versions page by page.
   */
  async *advance(store: EventStore, run: RunRow): AsyncGenerator<OverviewDelta> {
    const head = run.head_seq;
    if (head <= this.foldedTo) {
      yield this.delta({ done: true });
      return;
    }
    const from = this.episodes.length;
    for await (const rows of this.pages(store, run.pk, 'episode', head)) {
      for (const row of rows) {
        const e = decodeRow(row as Parameters<typeof decodeRow>[0], run.id, store) as { episode: number | null; payload: { return: number; performance_return: number | null; length: number; reason: string } };
        this.episodes.push({ episode: e.episode ?? this.episodes.length, return: e.payload.return, performance_return: e.payload.performance_return, length: e.payload.length, reason: e.payload.reason });
      }
    }
    yield this.delta({ episodesFrom: from });

    // Version changes are few beside decisions: read them whole, then give each the decision
    // that was current at its seq while the decisions stream past.
    const changes: { seq: number; component: string; version: string | null }[] = [];
    for await (const rows of this.pages(store, run.pk, 'change', head)) for (const r of rows) changes.push({ seq: r.seq, component: r.component ?? '?', version: r.version });
    let c = 0;
    for await (const rows of this.pages(store, run.pk, 'decision', head)) {
      const segmentsFrom = Math.max(0, this.timeline.length - 1);
      const added: Record<string, VersionChange[]> = {};
      for (const r of rows) {
        while (c < changes.length && changes[c]!.seq < r.seq) this.change(changes[c++]!, added);
        this.addDecision(r.decision ?? -1, r.episode, r.step, added);
      }
      yield this.delta({ segmentsFrom, versions: added });
    }
    const added: Record<string, VersionChange[]> = {};
    while (c < changes.length) this.change(changes[c++]!, added);
    this.foldedTo = head;
    yield this.delta({ segmentsFrom: this.timeline.length, versions: added, done: true });
  }

  /** Everything folded so far, as one delta from nothing (what a page opened later starts from). */
  snapshot(): OverviewDelta {
    return { run: this.run, decisions: this.decisions, folded_to: this.foldedTo, episodes_from: 0, episodes: this.episodes, segments_from: 0, segments: this.timeline, versions: this.versions, done: false };
  }

  private delta(o: { episodesFrom?: number; segmentsFrom?: number; versions?: Record<string, VersionChange[]>; done?: boolean }): OverviewDelta {
    const episodesFrom = o.episodesFrom ?? this.episodes.length;
    const segmentsFrom = o.segmentsFrom ?? this.timeline.length;
    return {
      run: this.run,
      decisions: this.decisions,
      folded_to: this.foldedTo,
      episodes_from: episodesFrom,
      episodes: this.episodes.slice(episodesFrom),
      segments_from: segmentsFrom,
      segments: this.timeline.slice(segmentsFrom),
      versions: o.versions ?? {},
      done: o.done ?? false,
    };
  }

  private addDecision(decision: number, episode: number | null, step: number | null, added: Record<string, VersionChange[]>): void {
    const last = this.timeline[this.timeline.length - 1];
    const follows = last !== undefined && last.episode === episode && decision === last.decision + last.count && (step === null ? last.step === null : last.step !== null && step === last.step + last.count);
    if (follows) last.count++;
    else this.timeline.push({ decision, episode, step, count: 1 });
    this.decisions++;
    for (const p of this.pending.splice(0)) this.change(p, added);
  }

  private change(c: { component: string; version: string | null }, added: Record<string, VersionChange[]>): void {
    const last = this.timeline[this.timeline.length - 1];
    if (last === undefined) {
      this.pending.push(c);
      return;
    }
    const list = (this.versions[c.component] ??= []);
    const v = { decision: last.decision + last.count - 1, update: list.length + 1, version: c.version };
    list.push(v);
    (added[c.component] ??= []).push(v);
  }

  /** One type's rows of the run after the cursor and up to `head`, a page at a time; the cursor moves as pages are read. */
  private async *pages(store: EventStore, runPk: number, cursor: Cursor, head: number) {
    for (;;) {
      if (store.segments?.has(runPk)) {
        const rows = store.segments.rows(runPk, { types: [TYPES[cursor]] }, this.afterSeq[cursor], head, PAGE);
        if (rows.length === 0) return;
        this.afterSeq[cursor] = rows[rows.length - 1]!.seq;
        yield rows;
        if (rows.length < PAGE) return;
        await new Promise((r) => setImmediate(r));
        continue;
      }
      // pos is the append order, so within one run it is seq order: the (run, type) index walks
      // it without a sort, where `order by seq` made SQLite scan the run's every row.
      const q = store.db.selectFrom('events').where('run_pk', '=', runPk).where('type', '=', TYPES[cursor]).where('pos', '>', this.after[cursor]).where('seq', '<=', head);
      const rows = await (cursor === 'episode' ? q.selectAll() : q.select(['pos', 'seq', 'decision', 'episode', 'step', 'component', 'version'])).orderBy('pos').limit(PAGE).execute();
      if (rows.length === 0) return;
      this.after[cursor] = rows[rows.length - 1]!.pos;
      this.afterSeq[cursor] = rows[rows.length - 1]!.seq;
      yield rows;
      if (rows.length < PAGE) return;
      // better-sqlite3 answers synchronously: between pages, let other requests in.
      await new Promise((r) => setImmediate(r));
    }
  }
}
