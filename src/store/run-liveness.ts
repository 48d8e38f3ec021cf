import { hostname } from 'node:os';
import { readEventsOfType } from './event-reader.js';
import type { RunRow, EventStore } from './event-store.js';

/** Who writes a derived run, as its run.started records it (overrides.writer): enough to tell, on this machine, whether it is gone. */
export interface RunWriter {
  pid: number;
  host: string;
}

/** The writer to record in a derived run's run.started. */
export function currentWriter(): RunWriter {
  return { pid: process.pid, host: hostname() };
}

/** A run's status as stored, or `interrupted` for a run still `recording` whose writer process is gone. */
export interface RunLiveness {
  status: 'recording' | 'completed' | 'failed' | 'interrupted' | string;
  /** The stored status, when `status` was inferred. */
  stored: string;
  writer: RunWriter | null;
}

/**
 * Tells a run that is being recorded from one whose writer died without ending it (a SIGKILLed
 * replay): a derived run records its writer's pid and host, and on the same host a pid that no
 * longer exists means nobody will end the run. Runs that recorded no writer, or another host's,
 * keep their stored status: nothing here can tell.
 */
export async function runLiveness(store: EventStore, row: RunRow): Promise<RunLiveness> {
  const none = { status: row.status, stored: row.status, writer: null };
  if (row.status !== 'recording' || row.source_run === null) return none;
  let writer: RunWriter | null = null;
  for await (const e of readEventsOfType(store, row.id, 'run.started', { limit: 1 })) writer = writerOf(e.payload.overrides);
  if (writer === null) return none;
  const gone = writer.host === hostname() && !processExists(writer.pid);
  return { status: gone ? 'interrupted' : row.status, stored: row.status, writer };
}

/** The row with its status as `runLiveness` tells it, for lists that show runs to people (runs, serve, ui). */
export async function withLiveStatus(store: EventStore, row: RunRow): Promise<RunRow> {
  const { status } = await runLiveness(store, row);
  return status === row.status ? row : { ...row, status };
}

/** A line for stderr when a command reads a run that is not complete; null for a completed one. */
export async function incompleteRunWarning(store: EventStore, runId: string): Promise<string | null> {
  const row = await store.findRun(runId);
  if (row === undefined || row.status === 'completed') return null;
  const l = await runLiveness(store, row);
  const events = row.head_seq + 1;
  if (l.status === 'interrupted' && l.stored === 'recording') return `run ${runId} was interrupted: its writer (pid ${l.writer!.pid}) is gone and never ended it; what follows covers the ${events} events it wrote`;
  if (l.status === 'recording') return `run ${runId} is still recording: what follows covers the ${events} events written so far`;
  return `run ${runId} is ${l.status}, not completed: what follows covers the ${events} events it wrote`;
}

function writerOf(overrides: unknown): RunWriter | null {
  if (overrides === null || typeof overrides !== 'object') return null;
  const w = (overrides as { writer?: unknown }).writer;
  if (w === null || typeof w !== 'object') return null;
  const { pid, host } = w as { pid?: unknown; host?: unknown };
  return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 && typeof host === 'string' ? { pid, host } : null;
}

function processExists(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as { code?: string }).code === 'EPERM';
  }
}
