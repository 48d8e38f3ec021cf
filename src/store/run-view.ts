import type { RunRow } from './event-store.js';

/** A run as listed (`flightrec runs --json`, `GET /v1/runs`); `events` is head_seq + 1 because seq is gapless from 0. */
export function runView(r: RunRow) {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    events: r.head_seq + 1,
    env: r.env,
    backend: r.backend,
    created: new Date(r.created_at).toISOString(),
    source_run: r.source_run,
    head_hash: r.head_hash === null ? null : Buffer.from(r.head_hash).toString('hex'),
  };
}
