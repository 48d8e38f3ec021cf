import type { Component } from '../src/agent/components.js';
import type { Json } from '../src/events/common-schemas.js';
import { Recorder } from '../src/record/recorder.js';
import type { RecordingRun } from '../src/record/recording-run.js';
import { currentWriter } from '../src/store/run-liveness.js';
import type { EventStore } from '../src/store/event-store.js';
import type { AssembledAgent } from './assemble-agent.js';

export interface DerivedRunOptions {
  runId?: string;
  name: string;
  mode: 'open-loop' | 'closed-loop';
  /** The components the derived run decides with, as listed in its run.started. */
  components: Component[];
  /** Record each component's version at the start (closed loop), or null (open loop: versions follow the source). */
  withVersions: boolean;
  /** More of what was overridden, beside the swaps and settings. */
  overrides?: Record<string, Json>;
}

/**
 * Starts a run derived from the assembled agent's source: same config, seed, env, factory and
 * discount; run.started names the source and the overrides, so the result can be listed,
 * audited and diffed like any run.
 */
export async function startDerivedRun(store: EventStore, agent: AssembledAgent, o: DerivedRunOptions): Promise<RecordingRun> {
  const { ctx } = agent;
  const p = ctx.started.payload;
  return Recorder.using(store).startRun({
    ...(o.runId === undefined ? {} : { id: o.runId }),
    name: o.name,
    config: p.config,
    seed: p.seed,
    env: ctx.env,
    components: o.components.map((c) => ({ name: c.name, role: c.role, kind: (c as { kind?: string }).kind ?? 'module', version: o.withVersions ? c.version() : null })),
    backend: agent.live.built.backend,
    codeVersion: p.code_version,
    sourceRun: ctx.run.id,
    agent: ctx.agent,
    discount: ctx.discount,
    overrides: {
      mode: o.mode,
      ...(o.overrides ?? {}),
      swap: Object.fromEntries(agent.swaps.map((s) => [s.role, s.text])),
      set: agent.plannerSettings as Json,
      // Lets `flightrec runs` tell a run whose replay was killed from one still being written.
      writer: currentWriter() as unknown as Json,
    },
  });
}
