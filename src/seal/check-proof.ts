import type { KeyObject } from 'node:crypto';
import { LineIssueError, parseEventLine } from '../store/ndjson/parse-event-line.js';
import { verifyConsistency, verifyInclusion } from './merkle-tree.js';
import type { ProofFile, SealNote } from './proof-file.js';
import { verifyNote } from './signed-note.js';

/** What checking a proof found: `ok`, or the first problem. Needs only the proof (with its seals) and the public key. */
export interface ProofCheck {
  readonly ok: boolean;
  readonly kind: ProofFile['kind'];
  readonly run: string;
  /** Inclusion: the proven event's seq and type. */
  readonly seq?: number;
  readonly type?: string;
  /** Tree sizes: the seal's (inclusion), or the older and newer seals' (consistency). */
  readonly events: number[];
  /** Key names whose signatures verified. */
  readonly signed_by: string[];
  readonly problem: string | null;
}

function checkSignature(seal: SealNote, key: KeyObject, what: string): { names: string[]; problem: string | null } {
  const { verified, failed } = verifyNote(seal.note, key);
  if (failed.length > 0) return { names: verified, problem: `the ${what}'s signature by ${failed.join(', ')} does not verify: the seal was altered` };
  if (verified.length === 0) return { names: [], problem: `the ${what} has no signature by this public key` };
  return { names: verified, problem: null };
}

export function checkProof(proof: ProofFile, key: KeyObject): ProofCheck {
  if (proof.kind === 'consistency') {
    const { older, newer } = proof;
    const base = { kind: proof.kind, run: newer.checkpoint.run, events: [older.checkpoint.events, newer.checkpoint.events] };
    const a = checkSignature(older, key, 'older seal');
    const b = checkSignature(newer, key, 'newer seal');
    const signed_by = [...new Set([...a.names, ...b.names])];
    const fail = (problem: string): ProofCheck => ({ ...base, ok: false, signed_by, problem });
    if (a.problem !== null) return fail(a.problem);
    if (b.problem !== null) return fail(b.problem);
    if (older.checkpoint.run !== newer.checkpoint.run) return fail(`the seals are of different runs (${older.checkpoint.run}, ${newer.checkpoint.run})`);
    if (older.checkpoint.events > newer.checkpoint.events) return fail(`the older seal covers more events (${older.checkpoint.events}) than the newer (${newer.checkpoint.events})`);
    if (!verifyConsistency(older.checkpoint.events, newer.checkpoint.events, older.checkpoint.root, newer.checkpoint.root, proof.path)) {
      return fail(`the newer seal (${newer.checkpoint.events} events) does not extend the older (${older.checkpoint.events} events): the proof does not lead from one root to the other`);
    }
    return { ...base, ok: true, signed_by, problem: null };
  }
  const c = proof.seal.checkpoint;
  const sig = checkSignature(proof.seal, key, 'seal');
  const base = { kind: proof.kind, run: c.run, seq: proof.index, events: [c.events], signed_by: sig.names };
  const fail = (problem: string, type?: string): ProofCheck => ({ ...base, ...(type === undefined ? {} : { type }), ok: false, problem });
  if (sig.problem !== null) return fail(sig.problem);
  if (proof.index >= c.events) return fail(`seq ${proof.index} is not among the ${c.events} sealed events`);
  // One spelling per event: a line that parses to the same values but is written differently is refused, so no byte of a proof is slack.
  let canonical: string | null = null;
  try {
    canonical = JSON.stringify(JSON.parse(proof.event));
  } catch {
    // reported below by the line parser, with its position
  }
  if (canonical !== null && canonical !== proof.event) return fail('the event line is not in canonical JSON form (as `npx flightrec export` writes it)');
  let hash: Uint8Array;
  let type: string;
  try {
    const parsed = parseEventLine(proof.event, { run: c.run, seq: proof.index, previous: proof.previous }, false);
    hash = parsed.row.hash;
    type = parsed.row.type;
  } catch (e) {
    if (e instanceof LineIssueError) return fail(`the event line does not check: ${e.message}`);
    throw e;
  }
  if (proof.index === c.events - 1 && Buffer.from(hash).toString('hex') !== c.head_hash) return fail('the event is the sealed head but its hash is not the head hash', type);
  if (!verifyInclusion(hash, proof.index, c.events, proof.path, c.root)) return fail(`the event's hash does not lead to the sealed root: it is not seq ${proof.index} of the sealed run`, type);
  return { ...base, type, ok: true, problem: null };
}
