import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { auditRun, type AuditReport } from '../audit/audit-run.js';
import { auditCharts, auditFigures } from '../audit/render-audit-html.js';
import { auditedRun } from '../audit/report-sections.js';
import { diffReportJson } from '../diff/diff-report-json.js';
import { diffRuns } from '../diff/diff-runs.js';
import { diffCharts } from '../diff/render-diff-html.js';
import { InvalidInputError, NotFoundError } from '../errors/flightrec-error.js';
import { showDecision } from '../show/show-decision.js';
import { toJsonView } from '../show/to-json-view.js';
import { countDecisions, countRunDecisions, decisionAt, neighbourDecisions } from '../store/decision-index.js';
import type { RunRow, EventStore } from '../store/event-store.js';
import { observationDrawing } from './observation-drawing.js';
import { BlameRequest, ReplayJobs, WhatIfRequest, type JobState } from './replay-jobs.js';
import { RunOverview } from './run-overview.js';
import { runSummary, type RunSummary } from './run-summary.js';
import { withLiveStatus } from '../store/run-liveness.js';

/** A decision id in a URL: an integer, 0 or more. */
const DecisionId = z.coerce.number().int().nonnegative();

/** Verdicts of an audit, as the runs table shows them. */
type Verdicts = Record<string, string>;

/**
 * What the viewer's pages ask of a database: every answer comes from the library's own readers
 * (show, audit, diff, replay), never from a second implementation. Projections that cost a pass
 * over a run (summaries, audits, diffs) are cached by the run's head, so a run being recorded is
 * recomputed when it grows and a finished one only once.
 */
export class UiApi {
  private readonly summaries = new Map<string, { head: number; value: RunSummary }>();
  private readonly audits = new Map<string, { head: number; value: Promise<AuditReport> }>();
  private readonly diffs = new Map<string, { heads: string; value: Promise<unknown> }>();
  private readonly overviews = new Map<string, { overview: RunOverview; turn: Promise<void> }>();
  readonly jobs = new ReplayJobs();

  constructor(
    private readonly store: EventStore,
    private readonly dbPath: string,
  ) {}

  /** Every run, newest first, from the runs table alone (cheap whatever the number of runs). */
  async runs(): Promise<unknown[]> {
    const [rows, decisions] = await Promise.all([this.store.listRuns(), countDecisions(this.store)]);
    return await Promise.all(rows.map(async (r) => ({ ...runRow(await withLiveStatus(this.store, r)), decisions: decisions.get(r.pk) ?? 0, verdicts: this.cachedVerdicts(r) })));
  }

  /** Summaries of every run, one NDJSON line each as soon as it is known (cached ones first, at once). */
  async streamSummaries(res: ServerResponse): Promise<void> {
    const rows = await this.store.listRuns();
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    const order = [...rows].sort((a, b) => Number(!this.summaries.has(a.id)) - Number(!this.summaries.has(b.id)));
    for (const r of order) {
      if (res.destroyed) return;
      res.write(`${JSON.stringify(toJsonView({ ...(await this.summary(r)), verdicts: this.cachedVerdicts(r) }))}\n`);
    }
    res.end();
  }

  async run(id: string): Promise<unknown> {
    const row = await this.store.getRun(id);
    const rows = await this.store.listRuns();
    const summary = await this.summary(row);
    return toJsonView({
      ...runRow(await withLiveStatus(this.store, row)),
      decisions: await countRunDecisions(this.store, row.pk),
      ...summary,
      derived_runs: rows.filter((r) => r.source_run === id).map((r) => ({ id: r.id, name: r.name, created: new Date(r.created_at).toISOString() })),
      drawing: observationDrawing(row.env),
    });
  }

  /** The run's head and status, polled by a page showing a run being recorded. */
  async head(id: string): Promise<unknown> {
    const row = await this.store.getRun(id);
    return { id, status: row.status, events: row.head_seq + 1 };
  }

  /**
   * The run page's whole-run data (episode returns, timeline, version changes) as NDJSON: first
   * what is already folded, then what a fold of the rest adds, a page at a time (OverviewDelta).
   * The fold is kept per run, so a finished run is read once and a run being recorded only for
   * what it grew; one fold of a run at a time (a second request waits, then starts from the first's).
   */
  async streamOverview(id: string, res: ServerResponse): Promise<void> {
    await this.store.getRun(id); // an unknown run is a 404, before any line is sent
    let entry = this.overviews.get(id);
    if (entry === undefined) this.overviews.set(id, (entry = { overview: new RunOverview(id), turn: Promise.resolve() }));
    const mine = entry;
    const before = mine.turn;
    let release!: () => void;
    mine.turn = new Promise((r) => (release = r));
    await before;
    try {
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
      const send = (line: unknown) => !res.destroyed && res.write(`${JSON.stringify(toJsonView(line))}\n`);
      if (mine.overview.foldedTo >= 0) send(mine.overview.snapshot());
      // A page that goes away does not stop the fold: it is kept for the next request, and a fold
      // cut halfway would have to be thrown away.
      // The run's head now, after waiting for the turn: what the fold reads up to.
      for await (const delta of mine.overview.advance(this.store, await this.store.getRun(id))) send(delta);
      res.end();
    } catch (e) {
      this.overviews.delete(id);
      throw e;
    } finally {
      release();
    }
  }

  /** One decision whole (`flightrec show --json`), with its neighbours and the same (episode, step) in related runs. */
  async decision(id: string, decisionText: string): Promise<unknown> {
    const decision = parseDecision(decisionText);
    const row = await this.store.getRun(id);
    const shown = await showDecision(this.store, id, decision);
    const nav = await neighbourDecisions(this.store, row.pk, decision);
    const related: { run: string; relation: 'source' | 'derived'; decision: number | null }[] = [];
    if (shown.episode !== null && shown.step !== null) {
      const others = (await this.store.listRuns()).filter((r) => r.source_run === id || r.id === row.source_run);
      for (const r of others) related.push({ run: r.id, relation: r.id === row.source_run ? 'source' : 'derived', decision: await decisionAt(this.store, r.pk, shown.episode, shown.step) });
    }
    return toJsonView({ ...shown, nav, related, drawing: observationDrawing(row.env) });
  }

  async audit(id: string): Promise<unknown> {
    const row = await this.store.getRun(id);
    let cached = this.audits.get(id);
    if (cached === undefined || cached.head !== row.head_seq) {
      cached = { head: row.head_seq, value: this.track(auditRun(this.store, id)) };
      this.audits.set(id, cached);
      cached.value.catch(() => this.audits.delete(id));
    }
    const report = await cached.value;
    return toJsonView({ report, charts: auditCharts(report), audited: auditedRun(report), figures: auditFigures(report) });
  }

  async diff(a: string, b: string): Promise<unknown> {
    const [ra, rb] = [await this.store.getRun(a), await this.store.getRun(b)];
    const key = `${a}\n${b}`;
    const heads = `${ra.head_seq}:${rb.head_seq}`;
    let cached = this.diffs.get(key);
    if (cached === undefined || cached.heads !== heads) {
      cached = {
        heads,
        value: diffRuns({ store: this.store, run: a }, { store: this.store, run: b }).then((report) => ({ report: diffReportJson(report), charts: diffCharts(report) })),
      };
      this.diffs.set(key, cached);
      cached.value.catch(() => this.diffs.delete(key));
    }
    return await cached.value;
  }

  /** Starts an open-loop what-if replay of a run; the job's result names the derived run. */
  async startReplay(id: string, body: unknown): Promise<JobState> {
    const row = await this.store.getRun(id);
    const req = parseBody(WhatIfRequest, body);
    if (req.swaps.length === 0 && req.settings.length === 0) throw new InvalidInputError('a what-if needs at least one swap or planner setting', { field: 'swaps', value: [] });
    const total = await countRunDecisions(this.store, row.pk);
    return this.jobs.start({ kind: 'replay', db: this.dbPath, run: id, swaps: req.swaps, settings: req.settings }, total);
  }

  /** Starts a blame of one decision against another component set. */
  async startBlame(id: string, decisionText: string, body: unknown): Promise<JobState> {
    const decision = parseDecision(decisionText);
    await this.store.getRun(id);
    const req = parseBody(BlameRequest, body);
    return this.jobs.start({ kind: 'blame', db: this.dbPath, run: id, decision, swaps: req.against, settings: [] }, 1);
  }

  job(jobId: string): JobState {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new NotFoundError('job', jobId);
    return toJsonView(job) as JobState;
  }

  /** Audits a run now (the runs table's "audit" button) and returns its verdicts. */
  async verdicts(id: string): Promise<Verdicts> {
    await this.audit(id);
    return this.cachedVerdicts(await this.store.getRun(id)) ?? {};
  }

  private async summary(r: RunRow): Promise<RunSummary> {
    const cached = this.summaries.get(r.id);
    if (cached !== undefined && cached.head === r.head_seq) return cached.value;
    const value = await runSummary(this.store, r);
    this.summaries.set(r.id, { head: r.head_seq, value });
    return value;
  }

  /** The verdicts of an audit already computed for the run at its current head, else null (audits run on demand, not for every run listed). */
  private cachedVerdicts(r: RunRow): Verdicts | null {
    const cached = this.audits.get(r.id);
    if (cached === undefined || cached.head !== r.head_seq) return null;
    const settled = this.settled.get(cached.value);
    if (settled === undefined) return null;
    const out: Verdicts = {};
    for (const [name, check] of Object.entries(settled.checks)) if (check) out[name] = (check as { verdict: string }).verdict;
    return out;
  }

  private readonly settled = new WeakMap<Promise<AuditReport>, AuditReport>();

  /** Remembers finished audits so that cachedVerdicts can read them synchronously. */
  private track(p: Promise<AuditReport>): Promise<AuditReport> {
    void p.then((r) => this.settled.set(p, r), () => undefined);
    return p;
  }
}

function runRow(r: RunRow) {
  return { id: r.id, name: r.name, status: r.status, events: r.head_seq + 1, env: r.env, backend: r.backend, created: new Date(r.created_at).toISOString(), source_run: r.source_run };
}

function parseDecision(text: string): number {
  const r = DecisionId.safeParse(text);
  if (!r.success) throw new InvalidInputError(`invalid decision ${JSON.stringify(text)}: a decision id is an integer, 0 or more`, { field: 'decision', value: text });
  return r.data;
}

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw new InvalidInputError(`invalid request body: ${field}: ${issue.message}`, { field, value: issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], body) });
}
