import { FlightrecError } from '../errors/flightrec-error.js';
import { GENESIS_HASH } from '../store/hash-chain.js';
import { eventLine } from '../store/ndjson/export-run.js';
import { LineIssueError, parseEventLine } from '../store/ndjson/parse-event-line.js';
import type { EventStore } from '../store/event-store.js';
import { verifyChain } from '../store/verify-chain.js';
import { MerkleTree } from './merkle-tree.js';
import { formatConsistencyProof, formatInclusionProof, type SealNote } from './proof-file.js';
import { formatCheckpoint, type RunCheckpoint } from './run-checkpoint.js';

/** The run's Merkle tree over its first `events` events, checked against the seal's root when one is given. */
async function runTree(store: EventStore, runId: string, events: number, seal?: SealNote): Promise<{ pk: number; tree: MerkleTree }> {
  const run = await store.getRun(runId);
  const hashes = store.readHashes(run.pk, events);
  if (hashes.length !== events) throw new FlightrecError('SEAL_MISMATCH', `run ${runId} holds ${hashes.length} events, fewer than the ${events} sealed`, { run: runId, hint: `see \`npx flightrec verify ${runId} --seal <file>\`` });
  const tree = new MerkleTree(hashes);
  if (seal !== undefined && Buffer.compare(tree.root(), seal.checkpoint.root) !== 0) {
    throw new FlightrecError('SEAL_MISMATCH', `run ${runId} in this database does not match its seal of ${events} events (different Merkle root)`, { run: runId, hint: `see \`npx flightrec verify ${runId} --seal <file>\`` });
  }
  return { pk: run.pk, tree };
}

/** The checkpoint text of a run's current head, after verifying its chain (sealing an altered chain would vouch for it). */
export async function checkpointRun(store: EventStore, runId: string): Promise<{ checkpoint: RunCheckpoint; text: string }> {
  const report = await verifyChain(store, runId);
  if (!report.ok) {
    throw new FlightrecError('CHAIN_BROKEN', `run ${runId} does not verify (first bad seq ${report.first_bad_seq}: ${report.problem}); not sealing it`, { run: runId, hint: `see \`npx flightrec verify ${runId}\`` });
  }
  const { tree } = await runTree(store, runId, report.events);
  const checkpoint: RunCheckpoint = { run: runId, events: report.events, root: tree.root(), head_hash: report.head_hash ?? '0'.repeat(64) };
  return { checkpoint, text: formatCheckpoint(checkpoint) };
}

/** An inclusion proof that event `seq` is in the sealed run: the event, its predecessor's hash, the audit path, the seal. */
export async function proveInclusion(store: EventStore, seal: SealNote, seq: number): Promise<string> {
  const c = seal.checkpoint;
  if (seq >= c.events) throw new FlightrecError('NOT_SEALED', `seq ${seq} is not among the ${c.events} events the seal covers`, { run: c.run, seq, hint: 'seal the run again to cover later events' });
  const { pk, tree } = await runTree(store, c.run, c.events, seal);
  const [row] = await store.readBySeq(pk, seq, 1);
  const previous = seq === 0 ? GENESIS_HASH : store.readHashes(pk, seq)[seq - 1]!;
  const event = JSON.stringify(eventLine(c.run, row!, store));
  // The stored hash is in the sealed tree; the stored columns must still give it, or the proof would carry an altered event.
  try {
    parseEventLine(event, { run: c.run, seq, previous }, false);
  } catch (e) {
    if (!(e instanceof LineIssueError)) throw e;
    throw new FlightrecError('SEAL_MISMATCH', `event seq ${seq} of run ${c.run} no longer matches its hash (${e.message}); it was altered after it was recorded`, { run: c.run, seq, hint: `see \`npx flightrec verify ${c.run}\`` });
  }
  return formatInclusionProof({ index: seq, previous, event, path: tree.inclusionProof(seq, c.events), seal: seal.raw });
}

/** A consistency proof that the newer seal of a run extends the older one. */
export async function proveConsistency(store: EventStore, older: SealNote, newer: SealNote): Promise<string> {
  if (older.checkpoint.run !== newer.checkpoint.run) throw new FlightrecError('SEAL_MISMATCH', `the seals are of different runs (${older.checkpoint.run}, ${newer.checkpoint.run})`, { older: older.checkpoint.run, newer: newer.checkpoint.run });
  if (older.checkpoint.events > newer.checkpoint.events) throw new FlightrecError('SEAL_MISMATCH', `--from covers ${older.checkpoint.events} events, more than --seal's ${newer.checkpoint.events}: give the older seal as --from`, {});
  const { tree } = await runTree(store, newer.checkpoint.run, newer.checkpoint.events, newer);
  if (Buffer.compare(tree.root(older.checkpoint.events), older.checkpoint.root) !== 0) {
    throw new FlightrecError('SEAL_MISMATCH', `the run's first ${older.checkpoint.events} events do not match the older seal (different Merkle root): the run was rewritten since`, { run: older.checkpoint.run });
  }
  return formatConsistencyProof({ path: tree.consistencyProof(older.checkpoint.events, newer.checkpoint.events), older: older.raw, newer: newer.raw });
}

/** Whether the run's stored events still give the signed seal's Merkle root; the problem when not. */
export async function sealRootProblem(store: EventStore, seal: SealNote): Promise<string | null> {
  try {
    await runTree(store, seal.checkpoint.run, seal.checkpoint.events, seal);
    return null;
  } catch (e) {
    if (e instanceof FlightrecError && e.code === 'SEAL_MISMATCH') return e.message;
    throw e;
  }
}
