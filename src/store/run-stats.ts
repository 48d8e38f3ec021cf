import { decodeValue } from '../events/payload-codec.js';
import type { EventStore } from './event-store.js';

/** Where one event type's bytes go in a run. */
export interface TypeStats {
  type: string;
  events: number;
  /** Bytes of the encoded payloads stored in the events table (blobs referenced, not included). */
  payload_bytes: number;
  /** Blob references in those payloads. */
  blob_refs: number;
  /** Bytes of the blobs this type referenced first in the run (a blob shared by several events is counted once, at its first use). */
  blob_bytes: number;
  /** (payload_bytes + blob_bytes) / the run's decisions; null for a run without decisions. */
  bytes_per_decision: number | null;
}

export interface RunStats {
  run: string;
  events: number;
  decisions: number;
  payload_bytes: number;
  blob_bytes: number;
  /** Distinct blobs the run references. */
  blobs: number;
  bytes_per_decision: number | null;
  types: TypeStats[];
  /** For a compacted run (`flightrec compact`): its segments and their stored (deflated) bytes, which replace the payloads' rows; null otherwise. */
  compacted: { segments: number; bytes: number; bytes_per_decision: number | null } | null;
}

const PAGE = 2000;

/**
 * Bytes of a run by event type: encoded payloads, and the blobs they reference, each blob counted
 * once, for the type whose event used it first. One pass over the run in seq order; payloads are
 * walked, not materialised (a referenced blob is given as zeros of its stored size).
 */
export async function runStats(store: EventStore, runId: string): Promise<RunStats> {
  const run = await store.getRun(runId);
  const byType = new Map<string, TypeStats>();
  const blobSize = new Map<string, number>();
  const seen = new Set<string>();
  let decisions = 0;
  let events = 0;
  for (let from = 0; ; ) {
    const rows = await store.readBySeq(run.pk, from, PAGE);
    for (const row of rows) {
      events++;
      if (row.type === 'decision.started') decisions++;
      let s = byType.get(row.type);
      if (s === undefined) byType.set(row.type, (s = { type: row.type, events: 0, payload_bytes: 0, blob_refs: 0, blob_bytes: 0, bytes_per_decision: null }));
      s.events++;
      s.payload_bytes += row.payload.byteLength;
      const stats = s;
      decodeValue(row.payload, {
        getBlob: (hash) => {
          const key = Buffer.from(hash).toString('hex');
          let size = blobSize.get(key);
          if (size === undefined) blobSize.set(key, (size = store.blobSizeSync(hash) ?? 0));
          stats.blob_refs++;
          if (!seen.has(key)) {
            seen.add(key);
            stats.blob_bytes += size;
          }
          return new Uint8Array(size);
        },
      });
    }
    if (rows.length < PAGE) break;
    from = rows[rows.length - 1]!.seq + 1;
  }
  const perDecision = (bytes: number) => (decisions === 0 ? null : bytes / decisions);
  const types = [...byType.values()].sort((a, b) => b.payload_bytes + b.blob_bytes - (a.payload_bytes + a.blob_bytes));
  for (const t of types) t.bytes_per_decision = perDecision(t.payload_bytes + t.blob_bytes);
  const payload = types.reduce((n, t) => n + t.payload_bytes, 0);
  const blobs = types.reduce((n, t) => n + t.blob_bytes, 0);
  const stored = store.segments?.has(run.pk) ? store.segments.stored(run.pk) : null;
  const compacted = stored === null ? null : { ...stored, bytes_per_decision: perDecision(stored.bytes) };
  return { run: runId, events, decisions, payload_bytes: payload, blob_bytes: blobs, blobs: seen.size, bytes_per_decision: perDecision(payload + blobs), types, compacted };
}
