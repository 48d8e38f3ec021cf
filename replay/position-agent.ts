import type { ReferenceAgent } from '../src/agent/reference/reference-agent.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { readEvents, readEventsOfType } from '../src/store/event-reader.js';
import type { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { learnedComponent, loadCheckpoint } from './apply-log.js';

/**
 * Puts the live agent at the state it had when `episode` began, without replaying what came
 * before: each learned component loads its last checkpoint before that point; the caller then
 * streams from the earliest of those checkpoints, skipping updates a checkpoint already holds.
 */
export async function positionAgent(store: SqliteEventStore, runId: string, agent: ReferenceAgent, episode: number): Promise<{ fromSeq: number; skip: Map<string, number> }> {
  let startSeq: number | null = null;
  for await (const e of readEvents(store, runId, { types: ['decision.started'], episode, limit: 1 })) startSeq = e.seq;
  if (startSeq === null) return { fromSeq: Number.MAX_SAFE_INTEGER, skip: new Map() };
  const latest = new Map<string, RecordedEvent<'checkpoint.saved'>>();
  for await (const e of readEventsOfType(store, runId, 'checkpoint.saved', { seqTo: startSeq })) latest.set(e.component ?? '', e);
  const skip = new Map<string, number>();
  let fromSeq = startSeq;
  for (const [name, e] of latest) {
    const c = learnedComponent(agent, name);
    if (c === null) continue;
    loadCheckpoint(c, e);
    skip.set(name, e.seq);
    fromSeq = Math.min(fromSeq, e.seq);
  }
  return { fromSeq, skip };
}
