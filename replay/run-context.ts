import { recordedFactory } from '../src/agent/built-in-factories.js';
import type { Json } from '../src/events/common-schemas.js';
import { recordedDiscount } from '../src/events/recorded-discount.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { readEventsOfType } from '../src/store/event-reader.js';
import type { RunRow, EventStore } from '../src/store/event-store.js';
import { ReplayUnsupportedError } from './replay-errors.js';

/** What a replay needs to know about the run it replays, read from run.started. */
export interface RunContext {
  run: RunRow;
  started: RecordedEvent<'run.started'>;
  env: string;
  seed: number | null;
  config: Json;
  discount: number | null;
  /** The factory that builds the run's agent: as recorded, or as given again with --agent. */
  agent: string;
  /** Where relative module paths of the factory are resolved: the recording's working directory, or ours for --agent. */
  cwd: string;
}

export interface RunContextOptions {
  /** --agent: the factory to use instead of the recorded one (e.g. when the module moved). */
  agent?: string;
}

/** Reads a run's run.started and the agent factory it names; REPLAY_UNSUPPORTED when it names none. */
export async function loadRunContext(store: EventStore, runId: string, options: RunContextOptions = {}): Promise<RunContext> {
  const run = await store.getRun(runId);
  let started: RecordedEvent<'run.started'> | undefined;
  for await (const e of readEventsOfType(store, runId, 'run.started', { limit: 1 })) started = e;
  if (started === undefined) throw new ReplayUnsupportedError(`run ${runId} has no run.started event`, { run: runId });
  const p = started.payload;
  const recorded = recordedFactory(started);
  const agent = options.agent ?? recorded;
  if (agent === null || agent === undefined) {
    throw new ReplayUnsupportedError(
      `run ${runId} recorded no agent factory, so replay cannot rebuild its agent: record one with startRun({ agent: 'module:<path to your factory module>' }) (see "Recording and replaying your own agent" in the README), or name it now with --agent module:<path>`,
      { run: runId, field: 'run.started.agent' },
    );
  }
  if (p.env === null) throw new ReplayUnsupportedError(`run ${runId} recorded no environment id (run.started env is null)`, { run: runId, field: 'run.started.env' });
  return { run, started, env: p.env, seed: p.seed, config: p.config, discount: recordedDiscount(started), agent, cwd: options.agent !== undefined ? process.cwd() : (p.cwd ?? process.cwd()) };
}
