import { ROLE_FIELD, type AgentComponents } from '../src/agent/agent-factory.js';
import { InvalidInputError, NotFoundError } from '../src/errors/flightrec-error.js';
import { actionJson, actionsDiffer } from '../src/events/action-change.js';
import type { Role } from '../src/events/event-type.js';
import type { DecisionRecord } from '../src/store/decision-stream.js';
import type { EventStore } from '../src/store/event-store.js';
import { assembleAgent } from './assemble-agent.js';
import type { SwapSpec } from './component-spec.js';
import { replayStream } from './replay-stream.js';
import { rerunDecision } from './rerun-decision.js';
import type { RunContextOptions } from './run-context.js';

export interface BlameTrial {
  /** Roles taken from the --against set; the others are as recorded. */
  swapped: Role[];
  /** The action id, or the continuous action's elements. */
  action: number | number[];
  value: number | null;
  flipped: boolean;
}

export interface BlameReport {
  run: string;
  decision: number;
  episode: number | null;
  step: number | null;
  recorded_action: number | number[];
  /** The decision re-run with every recorded component (should equal the recorded action). */
  baseline_action: number | number[];
  against_action: number | number[];
  differs: boolean;
  singles: BlameTrial[];
  pairs: BlameTrial[];
  /** Smallest sets of swaps that flip the action on their own. */
  culprits: Role[][];
}

/**
 * For one decision, compares the recorded component set with another (`against`) and finds
 * which components are responsible for a different action: re-decides with each swap alone and
 * with each pair, everything else as recorded, same random state.
 */
export async function blame(store: EventStore, runId: string, decision: number, against: SwapSpec[], options: RunContextOptions = {}): Promise<BlameReport> {
  if (against.length === 0) throw new InvalidInputError('--against needs at least one <role>=<spec>', { field: '--against' });
  const rec = await findDecision(store, runId, decision);
  const agent = await assembleAgent(store, runId, { ...options, swaps: against });
  try {
    agent.materializeAt(rec.started);
    const base = agent.live.components;
    const decide = (roles: Role[]) => {
      const set: AgentComponents = { ...base };
      for (const role of roles) (set as unknown as Record<string, unknown>)[ROLE_FIELD[role]] = agent.swapped.get(role)!;
      return rerunDecision(rec, set).plan;
    };
    const baseline = decide([]);
    const all = [...agent.swapped.keys()];
    const full = decide(all);
    const trial = (roles: Role[]): BlameTrial => {
      const p = decide(roles);
      return { swapped: roles, action: actionJson(p.action), value: p.value, flipped: actionsDiffer(p.action, baseline.action) };
    };
    const singles = all.map((r) => trial([r]));
    const pairs: BlameTrial[] = [];
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) pairs.push(trial([all[i]!, all[j]!]));
    const culprits = singles.filter((t) => t.flipped).map((t) => t.swapped);
    if (culprits.length === 0) {
      for (const p of pairs) if (p.flipped) culprits.push(p.swapped);
    }
    const recorded = rec.chose?.payload.action;
    return {
      run: runId,
      decision,
      episode: rec.episode,
      step: rec.step,
      recorded_action: recorded === undefined ? -1 : actionJson(recorded),
      baseline_action: actionJson(baseline.action),
      against_action: actionJson(full.action),
      differs: actionsDiffer(full.action, baseline.action),
      singles,
      pairs,
      culprits,
    };
  } finally {
    agent.dispose();
  }
}

async function findDecision(store: EventStore, runId: string, decision: number): Promise<DecisionRecord> {
  const run = await store.getRun(runId);
  const rows = await store.readPage(run.pk, { decision, types: ['decision.started'] }, -1, 1);
  const first = rows[0];
  if (first === undefined) throw new NotFoundError(`decision in run ${runId}`, decision);
  for await (const item of replayStream(store, runId, first.seq, { decisionsOnly: true })) {
    if (item.kind === 'decision' && item.record.decision === decision) return item.record;
  }
  throw new NotFoundError(`decision in run ${runId}`, decision);
}
