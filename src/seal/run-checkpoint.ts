import { decodeBase64 } from './signed-note.js';
import { SealFormatError } from './seal-errors.js';

/**
 * The body of a seal: a checkpoint (c2sp.org/tlog-checkpoint) of one run's Merkle tree, one field a line:
 *
 *     flightrec/run/<run id>           origin: which log this is
 *     <events>                         tree size: the events covered, seqs 0..events-1
 *     <base64 Merkle root>             RFC 9162 root over the events' chain hashes
 *     head <hex chain hash>            the hash of event events-1 (64 zeros for an empty run)
 */
export interface RunCheckpoint {
  readonly run: string;
  readonly events: number;
  readonly root: Uint8Array;
  /** The chain hash of the last covered event, lowercase hex. */
  readonly head_hash: string;
}

export const ORIGIN_PREFIX = 'flightrec/run/';
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SIZE = /^(0|[1-9][0-9]{0,15})$/;
const HEX = /^[0-9a-f]{64}$/;

export function formatCheckpoint(c: RunCheckpoint): string {
  return `${ORIGIN_PREFIX}${c.run}\n${c.events}\n${Buffer.from(c.root).toString('base64')}\nhead ${c.head_hash}\n`;
}

/** Parses a checkpoint text strictly: exactly the four lines above, each in its one canonical spelling. */
export function parseCheckpoint(text: string): RunCheckpoint {
  if (!text.endsWith('\n')) throw new SealFormatError('checkpoint', 'must end with a newline', JSON.stringify(text.slice(-20)));
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 4) throw new SealFormatError('checkpoint', 'must have 4 lines (origin, events, root, head)', `${lines.length} lines`);
  const [origin, size, root, head] = lines as [string, string, string, string];
  const run = origin.startsWith(ORIGIN_PREFIX) ? origin.slice(ORIGIN_PREFIX.length) : '';
  if (!RUN_ID.test(run)) throw new SealFormatError('origin line', `must be ${ORIGIN_PREFIX}<run id>`, JSON.stringify(origin));
  if (!SIZE.test(size) || !Number.isSafeInteger(Number(size))) throw new SealFormatError('events line', 'must be a decimal count without leading zeros', JSON.stringify(size));
  const rootBytes = decodeBase64(root, 'root line', 32);
  const m = /^head ([0-9a-f]{64})$/.exec(head);
  if (m === null || !HEX.test(m[1]!)) throw new SealFormatError('head line', 'must be "head <64 lowercase hex digits>"', JSON.stringify(head));
  return { run, events: Number(size), root: rootBytes, head_hash: m[1]! };
}
