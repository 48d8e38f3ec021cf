import type { RecordedEvent } from '../src/events/registry.js';
import { readEvents, readEventsOfType } from '../src/store/event-reader.js';
import type { EventStore } from '../src/store/event-store.js';
import { loadRecordedCheckpoint } from './apply-log.js';
import type { LiveAgent } from './build-agent.js';

/**
 * Puts the live agent at the state it had when `episode` began, without replaying what came
 * before: each checkpointed component loads its last checkpoint before that point; the caller
 * then streams from the earliest of those checkpoints (or from the first update of a component
 * that learned without one), skipping updates a checkpoint already holds.
 */
export async function positionAgent(store: EventStore, runId: string, agent: LiveAgent, episode: number): Promise<{ fromSeq: number; skip: Map<string, number> }> {
  let startSeq: number | null = null;
  for await (const e of readEvents(store, runId, { types: ['decision.started'], episode, limit: 1 })) startSeq = e.seq;
  if (startSeq === null) return { fromSeq: Number.MAX_SAFE_INTEGER, skip: new Map() };
  const latest = new Map<string, RecordedEvent<'checkpoint.saved'>>();
  for await (const e of readEventsOfType(store, runId, 'checkpoint.saved', { seqTo: startSeq })) latest.set(e.component ?? '', e);
  const skip = new Map<string, number>();
  let fromSeq = startSeq;
  for (const [name, e] of latest) {
    const c = agent.byName(name);
    if (c === undefined) continue;
    loadRecordedCheckpoint(c, e);
    skip.set(name, e.seq);
    fromSeq = Math.min(fromSeq, e.seq);
  }
  // A component that learned before the episode without ever saving a checkpoint (a Python agent's
  // table, say) can only get there by re-applying every update from its first one.
  for (const c of agent.all) {
    if (latest.has(c.name)) continue;
    for await (const e of readEventsOfType(store, runId, 'component.updated', { component: c.name, seqTo: startSeq, limit: 1 })) fromSeq = Math.min(fromSeq, e.seq);
  }
  return { fromSeq, skip };
}
