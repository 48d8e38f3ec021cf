import { defaultEventId, type StoredEnvelope } from '../events/envelope.js';
import type { PreparedEvent } from './event-store.js';

/** The envelope of a stored (or about to be stored) row as readers see it: effective id, hex hash. */
export function storedEnvelope(run: string, row: Omit<PreparedEvent, 'payload'>): StoredEnvelope & { type: string } {
  return {
    run,
    seq: row.seq,
    id: row.id ?? defaultEventId(run, row.seq),
    type: row.type,
    v: row.v,
    t: row.t,
    episode: row.episode,
    step: row.step,
    decision: row.decision,
    component: row.component,
    version: row.version,
    parent: row.parent,
    hash: Buffer.from(row.hash).toString('hex'),
  };
}
