import { performance } from 'node:perf_hooks';
import { decodeValue } from '../events/payload-codec.js';
import type { EventStore } from '../store/event-store.js';
import { pairByRole } from './pair-by-role.js';
import { DiffAccumulator } from './diff-accumulator.js';
import type { DiffReport } from './diff-report.js';
import { compareKeys, type DiffUnit } from './diff-unit.js';
import { emptyUnitReadStats, readDiffUnits, type UnitReadStats } from './read-diff-units.js';
import { decisionEventTypes } from '../events/registry.js';
import { readRawEvents, type RawReadOptions, type RawReadStats } from '../store/read-raw-events.js';

/** What the diff reads: every event that is part of a decision, and episode ends (for returns). */
export function diffEventTypes(): readonly string[] {
  return [...decisionEventTypes(), 'episode.ended'];
}

/** One side of a diff: a run in a store (both sides may share one store). */
export interface DiffSide {
  readonly store: EventStore;
  readonly run: string;
}

export interface DiffOptions {
  /** Page sizes of the reads (memory is bounded by about two pages per side). */
  read?: RawReadOptions;
}

/**
 * Diffs two runs: streams both in seq order, groups each into decisions and episode ends, and
 * merge-joins them by (episode, step). Memory is bounded by a page of rows and the open
 * decisions per side, whatever the runs' lengths. Throws NotFoundError when a run does not exist
 * and RunOrderError when a run is not in (episode, step) order.
 */
export async function diffRuns(a: DiffSide, b: DiffSide, options: DiffOptions = {}): Promise<DiffReport> {
  const t0 = performance.now();
  const runA = await a.store.getRun(a.run);
  const runB = await b.store.getRun(b.run);
  const statsA = emptyUnitReadStats();
  const statsB = emptyUnitReadStats();
  const rawA: RawReadStats = { pages: 0, rows: 0, bytes: 0 };
  const rawB: RawReadStats = { pages: 0, rows: 0, bytes: 0 };
  const acc = new DiffAccumulator({ getBlob: (h) => a.store.getBlob(h) }, { getBlob: (h) => b.store.getBlob(h) });
  await mergeJoin(
    readDiffUnits(readRawEvents(a.store, runA.pk, diffEventTypes(), options.read, rawA), a.run, statsA),
    readDiffUnits(readRawEvents(b.store, runB.pk, diffEventTypes(), options.read, rawB), b.run, statsB),
    acc,
  );
  const report = acc.report();
  return {
    run_a: a.run,
    run_b: b.run,
    source_run_a: await sourceRun(a),
    source_run_b: await sourceRun(b),
    ...report,
    versions: pairByRole(report.versions, await componentRoles(a), await componentRoles(b)),
    stats: statsReport(statsA, statsB, rawA, rawB, (performance.now() - t0) / 1000),
  };
}

/**
 * The merge-join: advances whichever stream is behind in (episode, step) order; units at equal
 * keys are compared, the others are counted as only in one run. Pulls one unit at a time from
 * each stream, so it holds at most one unit per side.
 */
export async function mergeJoin(a: AsyncIterator<DiffUnit>, b: AsyncIterator<DiffUnit>, acc: DiffAccumulator): Promise<void> {
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    const c = x.done ? 1 : y.done ? -1 : compareKeys(x.value, y.value);
    if (c === 0) {
      const u = x.value as DiffUnit;
      const v = y.value as DiffUnit;
      if (u.kind === 'decision' && v.kind === 'decision') acc.pair(u, v);
      else if (u.kind === 'episode' && v.kind === 'episode') acc.episode(u, v);
      x = await a.next();
      y = await b.next();
    } else if (c < 0) {
      const u = x.value as DiffUnit;
      if (u.kind === 'decision') acc.only('a', u);
      else acc.episode(u, null);
      x = await a.next();
    } else {
      const v = y.value as DiffUnit;
      if (v.kind === 'decision') acc.only('b', v);
      else acc.episode(null, v);
      y = await b.next();
    }
  }
}

async function sourceRun(side: DiffSide): Promise<string | null> {
  const run = await side.store.getRun(side.run);
  if (run.source_run !== null) return run.source_run;
  return ((await runStarted(side)) as { source_run?: string | null } | null)?.source_run ?? null;
}

/** The component names a run's run.started registers, with their roles. */
async function componentRoles(side: DiffSide): Promise<Map<string, string>> {
  const started = (await runStarted(side)) as { components?: { name: string; role: string }[] } | null;
  return new Map((started?.components ?? []).map((c) => [c.name, c.role]));
}

/** The decoded payload of the run's first event when it is run.started, else null. */
async function runStarted(side: DiffSide): Promise<unknown> {
  const run = await side.store.getRun(side.run);
  const [first] = await side.store.readBySeq(run.pk, 0, 1);
  if (first === undefined || first.seq !== 0 || first.type !== 'run.started') return null;
  return decodeValue(first.payload, { getBlob: (h) => side.store.getBlob(h) });
}

function statsReport(a: UnitReadStats, b: UnitReadStats, ra: RawReadStats, rb: RawReadStats, seconds: number): DiffReport['stats'] {
  return {
    pages_a: ra.pages,
    pages_b: rb.pages,
    payload_bytes_a: ra.bytes,
    payload_bytes_b: rb.bytes,
    events_a: a.events,
    events_b: b.events,
    orphan_events_a: a.orphanEvents,
    orphan_events_b: b.orphanEvents,
    unfinished_decisions_a: a.unfinishedDecisions,
    unfinished_decisions_b: b.unfinishedDecisions,
    max_open_decisions: Math.max(a.maxOpen, b.maxOpen),
    seconds,
  };
}
