import { FlightrecError } from '../errors/flightrec-error.js';
import { decodeValue } from '../events/payload-codec.js';
import type { EventStore, PreparedEvent } from './event-store.js';
import { chainHash, GENESIS_HASH, unchainable } from './hash-chain.js';
import { verifyChain } from './verify-chain.js';

/** What copying one run did. */
export interface CopiedRun {
  run: string;
  status: string;
  /** Events the target did not have and now has. */
  copied: number;
  /** Events the target already had (the same, by their chain hash). */
  already: number;
  /** The chain verified in the target after the copy. */
  chain_ok: boolean;
  problem: string | null;
}

const PAGE = 2000;

/** The run in the target is not a prefix of the one in the source: copying would fork its chain. */
export class RunDiffersError extends FlightrecError {
  constructor(run: string, to: string, why: string) {
    super('RUN_EXISTS', `run ${run} already exists in ${to} and differs from the source (${why}); nothing of it was copied`, { run, db: to });
  }
}

/**
 * Copies runs from one store to another (any two: SQLite and PostgreSQL either way), oldest first.
 * Idempotent and incremental: a run the target has up to some seq, with the same chain hash
 * there, gets only the events after it; a run it has in full is left alone. Each run is copied in
 * one write transaction, every event's chain hash recomputed on the way (a damaged source is
 * refused with nothing written), blobs read verified from the source and stored with their
 * events; afterwards the chain is verified in the target. A run the target did not have is marked
 * as imported from the source's location (its kind in `runs`), keeping its creation time.
 */
export async function copyRuns(from: EventStore, to: EventStore, runIds?: readonly string[]): Promise<CopiedRun[]> {
  const ids = runIds !== undefined && runIds.length > 0 ? [...runIds] : (await from.listRuns()).reverse().map((r) => r.id);
  for (const id of ids) await from.getRun(id); // every named run exists before anything is copied
  const out: CopiedRun[] = [];
  for (const id of ids) out.push(await copyRun(from, to, id));
  return out;
}

async function copyRun(from: EventStore, to: EventStore, id: string): Promise<CopiedRun> {
  const src = await from.getRun(id);
  const existing = await to.findRun(id);
  let have = existing?.head_seq ?? -1;
  if (have > src.head_seq) throw new RunDiffersError(id, to.location, `it has ${have + 1} events, the source ${src.head_seq + 1}`);
  let previous: Uint8Array = GENESIS_HASH;
  if (have >= 0) {
    const [theirs] = await to.readBySeq(existing!.pk, have, 1);
    const [mine] = await from.readBySeq(src.pk, have, 1);
    if (theirs === undefined || mine === undefined || !Buffer.from(theirs.hash).equals(Buffer.from(mine.hash))) throw new RunDiffersError(id, to.location, `event seq ${have} has another hash`);
    previous = new Uint8Array(mine.hash);
  }
  const already = have + 1;
  if (existing !== undefined && have === src.head_seq && existing.status === src.status) {
    return { run: id, status: src.status, copied: 0, already, chain_ok: true, problem: null };
  }
  await to.writeTransaction(async () => {
    const run = existing ?? (await to.createRun({ id, name: src.name, env: src.env, backend: src.backend, sourceRun: src.source_run, createdAt: src.created_at, importedFrom: from.location }));
    for (;;) {
      const rows = await from.readBySeq(src.pk, have + 1, PAGE);
      const batch: PreparedEvent[] = [];
      const blobs = new Map<string, Uint8Array>();
      for (const row of rows) {
        if (row.seq > src.head_seq) break;
        if (row.seq !== have + 1 + batch.length) throw new FlightrecError('CHAIN_BROKEN', `run ${id} in ${from.location}: event seq ${have + 1 + batch.length} is missing; nothing of it was copied`, { run: id, seq: have + 1 + batch.length });
        const altered = unchainable(row);
        if (altered !== null) throw new FlightrecError('CHAIN_BROKEN', `run ${id} in ${from.location}: event seq ${row.seq} ${altered}; nothing of it was copied`, { run: id, seq: row.seq });
        const envelope = { run: id, seq: row.seq, id: row.id, type: row.type, v: row.v, t: row.t, episode: row.episode, step: row.step, decision: row.decision, component: row.component, version: row.version, parent: row.parent };
        const hash = chainHash(previous, envelope, row.payload);
        if (!Buffer.from(hash).equals(Buffer.from(row.hash))) throw new FlightrecError('CHAIN_BROKEN', `run ${id} in ${from.location}: event seq ${row.seq} does not match its hash; nothing of it was copied`, { run: id, seq: row.seq });
        decodeValue(row.payload, {
          getBlob: (h) => {
            const bytes = from.getBlob(h);
            blobs.set(Buffer.from(h).toString('hex'), bytes);
            return bytes;
          },
        });
        const { run_pk: _pk, pos: _pos, ...event } = row;
        batch.push({ ...event, payload: new Uint8Array(row.payload), hash: new Uint8Array(row.hash) });
        previous = hash;
      }
      if (batch.length > 0) {
        to.appendBatch({ pk: run.pk, id }, have, batch, blobs);
        have = batch[batch.length - 1]!.seq;
      }
      if (rows.length < PAGE || have >= src.head_seq) break;
    }
    await to.setStatus(run.pk, src.status);
  });
  const chain = await verifyChain(to, id);
  return { run: id, status: src.status, copied: have + 1 - already, already, chain_ok: chain.ok, problem: chain.problem };
}
