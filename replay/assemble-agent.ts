import { ROLE_FIELD, type AgentComponents } from '../src/agent/agent-factory.js';
import type { AnyComponent, Planner } from '../src/agent/components.js';
import type { PlannerSettingValue } from '../src/agent/planner-settings.js';
import { InvalidInputError } from '../src/errors/flightrec-error.js';
import type { Role } from '../src/events/event-type.js';
import type { RecordedEvent } from '../src/events/registry.js';
import type { EventStore } from '../src/store/event-store.js';
import { buildLiveAgent, type LiveAgent } from './build-agent.js';
import { ComponentHistory } from './component-history.js';
import type { SwapSpec } from './component-spec.js';
import { plannerWith } from './planner-with.js';
import { resolveSwap, type ResolvedSwap } from './resolve-swap.js';
import { loadRunContext, type RunContext, type RunContextOptions } from './run-context.js';

export interface AssembleOptions extends RunContextOptions {
  swaps: SwapSpec[];
  plannerSettings?: Record<string, PlannerSettingValue>;
}

/** A source run's agent with some components swapped and planner settings changed: what every counterfactual starts from. */
export interface AssembledAgent {
  ctx: RunContext;
  live: LiveAgent;
  swaps: SwapSpec[];
  plannerSettings: Record<string, PlannerSettingValue>;
  /** The stand-ins, by role. */
  swapped: Map<Role, AnyComponent>;
  /** The planner to decide with: swapped, re-set, or as recorded. */
  planner: Planner;
  /** The live components with the swaps in place (unswapped ones still at their initial versions). */
  with(base: Omit<AgentComponents, 'planner'>): AgentComponents;
  /** Brings every unswapped live component to the version it had at a recorded decision. */
  materializeAt(started: RecordedEvent<'decision.started'>): void;
  dispose(): void;
}

/**
 * Builds the source run's agent through its factory and puts the swaps in: a recorded version,
 * a checkpoint file or a user module per role, each role at most once.
 */
export async function assembleAgent(store: EventStore, sourceRun: string, o: AssembleOptions): Promise<AssembledAgent> {
  const roles = new Set<Role>();
  for (const s of o.swaps) {
    if (roles.has(s.role)) throw new InvalidInputError(`--swap ${s.role} is given twice`, { field: '--swap', value: s.text });
    roles.add(s.role);
  }
  const ctx = await loadRunContext(store, sourceRun, o);
  const live = await buildLiveAgent(ctx);
  const resolved: ResolvedSwap[] = [];
  const dispose = () => {
    for (const r of resolved) r.dispose();
    live.dispose();
  };
  try {
    for (const s of o.swaps) resolved.push(await resolveSwap(store, ctx, s));
    const swapped = new Map<Role, AnyComponent>(resolved.map((r) => [r.spec.role, r.component]));
    const settings = o.plannerSettings ?? {};
    const planner = (swapped.get('planner') as Planner | undefined) ?? plannerWith(live.components.planner, settings);
    return {
      ctx,
      live,
      swaps: o.swaps,
      plannerSettings: settings,
      swapped,
      planner,
      with(base) {
        const out = { ...base, planner } as AgentComponents;
        for (const [role, c] of swapped) if (role !== 'planner') (out as unknown as Record<string, AnyComponent>)[ROLE_FIELD[role]] = c;
        return out;
      },
      materializeAt(started) {
        for (const c of live.all) {
          if (swapped.has(c.role)) continue;
          const version = started.payload.versions[c.name];
          if (version) new ComponentHistory(store, ctx.run.pk, ctx.run.id, c, 0).materialize(version, started.seq);
        }
      },
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}
