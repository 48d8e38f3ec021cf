import { z } from 'zod';
import { AgentConfig } from '../src/agent/reference/agent-config.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { readEventsOfType } from '../src/store/event-reader.js';
import type { RunRow, SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { ReplayUnsupportedError } from './replay-errors.js';

/** What a replay needs to know about the run it replays, read from run.started. */
export interface RunContext {
  run: RunRow;
  started: RecordedEvent<'run.started'>;
  env: string;
  seed: number;
  config: AgentConfig;
}

const ReferenceRunConfig = z.object({ agent: AgentConfig, env: z.string() });

/** Reads a run's run.started and the reference agent config it recorded; ReplayUnsupportedError when it has none. */
export async function loadRunContext(store: SqliteEventStore, runId: string): Promise<RunContext> {
  const run = await store.getRun(runId);
  let started: RecordedEvent<'run.started'> | undefined;
  for await (const e of readEventsOfType(store, runId, 'run.started', { limit: 1 })) started = e;
  if (started === undefined) throw new ReplayUnsupportedError(`run ${runId} has no run.started event`, { run: runId });
  const parsed = ReferenceRunConfig.safeParse(started.payload.config);
  if (!parsed.success || started.payload.seed === null) {
    throw new ReplayUnsupportedError(`run ${runId} was not recorded by flightrec's reference agent (its run.started config has no agent config and seed); replay rebuilds reference-agent runs`, { run: runId });
  }
  return { run, started, env: parsed.data.env, seed: started.payload.seed, config: parsed.data.agent };
}
