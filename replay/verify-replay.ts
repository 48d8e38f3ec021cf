import { FlightrecError } from '../src/errors/flightrec-error.js';
import { ComponentProcessError, ReplayUnsupportedError } from './replay-errors.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import type { EventStore } from '../src/store/event-store.js';
import { applyRecordedUpdate } from './apply-log.js';
import { BatchDeriver } from './batch-deriver.js';
import { buildLiveAgent, type LiveAgent } from './build-agent.js';
import { decisionsInRange } from './decisions-in-range.js';
import { compareDecision, type DecisionOutcome } from './compare-decision.js';
import { positionAgent } from './position-agent.js';
import { replayStream } from './replay-stream.js';
import { rerunDecision } from './rerun-decision.js';
import { loadRunContext, type RunContextOptions } from './run-context.js';

/** Decisions between two turns of the event loop (a few ms of work). */
const YIELD_EVERY = 16;

export interface VerifyOptions extends RunContextOptions {
  /** Inclusive episode range; all episodes when omitted. */
  episodes?: { from: number; to: number };
  onDecision?: (outcome: DecisionOutcome) => void;
}

export interface VerifyReport {
  run: string;
  backend: { recorded: string | null; current: string | null; same: boolean };
  decisions: number;
  reproduced: number;
  diverged: number;
  errors: number;
  /** Every decision that did not reproduce (capped at 100), in order. */
  problems: DecisionOutcome[];
}

/**
 * Re-runs every selected decision with the component versions and random state it recorded and
 * compares the events it produces with the log. Components follow the log: checkpoints are
 * loaded and updates re-applied in order, each checked against its recorded version.
 * Outcomes are data (reproduced / diverged at the first differing event and field / error).
 */
export async function verifyReplay(store: EventStore, runId: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const ctx = await loadRunContext(store, runId, options);
  if (options.episodes !== undefined) await decisionsInRange(store, runId, options.episodes);
  const recordedBackend = ctx.started.payload.backend?.name ?? null;
  const agent: LiveAgent = await buildLiveAgent(ctx);
  const current = agent.built.backend?.name ?? null;
  const report: VerifyReport = {
    run: runId,
    backend: { recorded: recordedBackend, current, same: recordedBackend === current },
    decisions: 0,
    reproduced: 0,
    diverged: 0,
    errors: 0,
    problems: [],
  };
  try {
    const range = options.episodes;
    const { fromSeq, skip } = range ? await positionAgent(store, runId, agent, range.from) : { fromSeq: 0, skip: new Map<string, number>() };
    for await (const item of replayStream(store, runId, fromSeq)) {
      if (item.kind !== 'decision') {
        if (item.kind === 'update' && item.event.seq > (skip.get(item.event.component ?? '') ?? -1)) {
          const c = agent.byName(item.event.component);
          if (c === undefined) throw new ReplayUnsupportedError(`the run updated a component ${String(item.event.component)} that its agent factory does not build`, { seq: item.event.seq });
          applyRecordedUpdate(c, item.event, BatchDeriver.forRun(store, ctx.run.pk, ctx.run.id));
        }
        continue;
      }
      const rec = item.record;
      if (range && rec.episode !== null && rec.episode > range.to) break;
      if (range && (rec.episode === null || rec.episode < range.from)) continue;
      const outcome = verifyDecision(rec, agent);
      report.decisions++;
      if (outcome.status === 'reproduced') report.reproduced++;
      else {
        if (outcome.status === 'diverged') report.diverged++;
        else report.errors++;
        if (report.problems.length < 100) report.problems.push(outcome);
      }
      options.onDecision?.(outcome);
      // Reads and re-runs are all synchronous underneath: let timers and signals (Ctrl-C) in now and then.
      if (report.decisions % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
  } finally {
    agent.dispose();
  }
  return report;
}

function verifyDecision(rec: DecisionRecord, agent: LiveAgent): DecisionOutcome {
  const where = { decision: rec.decision, episode: rec.episode, step: rec.step };
  try {
    for (const [name, version] of Object.entries(rec.started.payload.versions)) {
      const live = agent.byName(name);
      if (live !== undefined && version !== null && live.version() !== version) {
        return { ...where, status: 'diverged', seq: rec.started.seq, event_type: 'decision.started', field: `payload.versions.${name}`, recorded: version, replayed: live.version() };
      }
    }
    const rerun = rerunDecision(rec, agent.components);
    return compareDecision(rec, rerun.events);
  } catch (e) {
    // A component process that died or broke the protocol cannot answer the next decision either.
    if (e instanceof ComponentProcessError && e.fatal) throw e;
    return { ...where, status: 'error', code: e instanceof FlightrecError ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
  }
}
