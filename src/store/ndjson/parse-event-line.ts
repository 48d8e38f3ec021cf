import type { z } from 'zod';
import { defaultEventId } from '../../events/envelope.js';
import { describeValue, EventValidationError, EventVersionError, issuesFrom } from '../../events/event-errors.js';
import { eventType, validatePayload } from '../../events/registry.js';
import { FlightrecError } from '../../errors/flightrec-error.js';
import type { PreparedEvent } from '../event-store.js';
import { NdjsonEvent, NdjsonHeader } from './ndjson-format.js';
import type { LineIssue } from './ndjson-import-error.js';
import { fromNdjsonValue, NdjsonValueError } from './ndjson-value.js';
import { reencodePayload } from './reencode-payload.js';

/** Thrown by the line parsers; the importer adds the file and line number. */
export class LineIssueError extends Error {
  constructor(readonly issue: LineIssue) {
    super(`${issue.path}: ${issue.problem}, received ${issue.received}`);
  }
}

const issue = (path: string, problem: string, received: string) => new LineIssueError({ path, problem, received });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw issue('(line)', `invalid JSON (${(e as Error).message})`, describeValue(text));
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = issuesFrom(r.error, value)[0]!;
  throw issue(first.path || '(line)', first.message, first.received);
}

export function parseHeaderLine(text: string): NdjsonHeader {
  return parseWith(NdjsonHeader, parseJson(text));
}

/** Where the chain stands before a line: the run it belongs to, the seq it must have, the previous hash. */
export interface ChainPosition {
  run: string;
  seq: number;
  previous: Uint8Array;
  /** The blob threshold the run's run.started recorded, once read. */
  blobThreshold?: number;
}

export interface ParsedEvent {
  row: PreparedEvent;
  blobs: Map<string, Uint8Array>;
  /** The id as stored: null when it is the default `<run>:<seq>`. */
  customId: string | null;
  /** For run.started: the blob threshold the run recorded, which the following lines were stored with. */
  blobThreshold?: number;
}

/** The position after `e`: the next seq, `e`'s hash, and the run's blob threshold once run.started told it. */
export function nextPosition(at: ChainPosition, e: ParsedEvent): ChainPosition {
  const blobThreshold = e.blobThreshold ?? at.blobThreshold;
  return { run: at.run, seq: at.seq + 1, previous: e.row.hash, ...(blobThreshold === undefined ? {} : { blobThreshold }) };
}

/**
 * Validates one event line completely — JSON, strict envelope, known type, payload schema at its
 * version, tensor bytes, seq, and its chain hash recomputed from the re-encoded payload — and
 * returns the row to store. Throws LineIssueError naming the first problem.
 */
export function parseEventLine(text: string, at: ChainPosition, collectBlobs: boolean): ParsedEvent {
  const line = parseWith(NdjsonEvent, parseJson(text));
  if (line.run !== at.run) throw issue('run', `does not match the header's run ${JSON.stringify(at.run)}`, describeValue(line.run));
  if (line.seq !== at.seq) throw issue('seq', `expected ${at.seq} (seq is gapless from 0)`, describeValue(line.seq));
  try {
    eventType(line.type);
  } catch (e) {
    throw issue('type', (e as Error).message, describeValue(line.type));
  }
  let payload: unknown;
  try {
    payload = fromNdjsonValue(line.payload, 'payload');
    validatePayload(line.type, line.v, payload);
  } catch (e) {
    if (e instanceof NdjsonValueError) throw issue(e.path, e.problem, e.received);
    if (e instanceof EventValidationError && e.issues[0]) throw issue(e.issues[0].path, e.issues[0].message, e.issues[0].received);
    if (e instanceof EventVersionError) throw issue('v', e.message, describeValue(line.v));
    if (e instanceof FlightrecError) throw issue('payload', e.message, describeValue(line.payload));
    throw e;
  }
  const customId = line.id === defaultEventId(line.run, line.seq) ? null : line.id;
  const envelope = {
    run: line.run,
    seq: line.seq,
    id: customId,
    type: line.type,
    v: line.v,
    t: line.t,
    episode: line.episode,
    step: line.step,
    decision: line.decision,
    component: line.component,
    version: line.version,
    parent: line.parent,
  };
  const enc = reencodePayload(payload, envelope, at.previous, line.hash, collectBlobs, at.blobThreshold);
  if (!enc.match) {
    throw issue('hash', `does not match the chain hash recomputed from this line and the one before (${Buffer.from(enc.hash).toString('hex')}): the event was altered or is out of order`, describeValue(line.hash));
  }
  const { run: _run, ...columns } = envelope;
  const recorded = line.type === 'run.started' ? (payload as { blob_threshold?: number | null }).blob_threshold : undefined;
  return { row: { ...columns, payload: enc.payload, hash: enc.hash }, blobs: enc.blobs, customId, ...(typeof recorded === 'number' ? { blobThreshold: recorded } : {}) };
}
