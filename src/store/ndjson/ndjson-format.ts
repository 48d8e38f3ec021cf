import { z } from 'zod';
import { ComponentName, Count, Version } from '../../events/common-schemas.js';

/**
 * flightrec's NDJSON event format: a header line naming the run, then one line per event in seq
 * order with every envelope field and the payload (see ndjson-value.ts for tensors and numbers),
 * then a trailer line with the event count and the head hash, so that a file cut exactly at a line
 * end is told from a shorter run.
 * Bump NDJSON_FORMAT when a reader of the old format would misread a new file.
 */
export const NDJSON_FORMAT = 1;

// The recorder's rule for run ids, so an imported run can be named on the command line like any other.
const RunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'run ids are 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit');

export const NdjsonHeader = z.strictObject({
  flightrec: z.literal('events'),
  format: z.literal(NDJSON_FORMAT, { error: `this flightrec reads format ${NDJSON_FORMAT}` }),
  run: z.strictObject({
    id: RunId,
    name: z.string().max(200).nullable(),
    env: z.string().max(200).nullable(),
    backend: z.string().max(200).nullable(),
    source_run: z.string().max(200).nullable(),
    status: z.enum(['recording', 'completed', 'failed', 'interrupted']),
    /** When the run was created (ISO 8601, ms): import keeps it. Absent in files of earlier versions, which import with the time of their first event. */
    created: z.iso.datetime().optional(),
  }),
});
export type NdjsonHeader = z.infer<typeof NdjsonHeader>;

/** The last line: how many event lines come before it and the hash of the last one (the genesis hash for none). */
export const NdjsonTrailer = z.strictObject({
  flightrec: z.literal('end'),
  events: Count,
  head: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 as 64 lowercase hex digits'),
});
export type NdjsonTrailer = z.infer<typeof NdjsonTrailer>;

/** How a trailer line starts (event lines start with {"run":). */
export const TRAILER_PREFIX = '{"flightrec":"end"';

/** One event line. `id` is the effective id (the default `<run>:<seq>` when the writer chose none); `hash` is hex. */
export const NdjsonEvent = z.strictObject({
  run: z.string().min(1),
  seq: Count,
  id: z.string().min(1).max(128),
  type: z.string().min(1),
  v: z.int().positive(),
  t: z.int().nonnegative(),
  episode: Count.nullable(),
  step: Count.nullable(),
  decision: Count.nullable(),
  component: ComponentName.nullable(),
  version: Version.nullable(),
  parent: Count.nullable(),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 as 64 lowercase hex digits'),
  payload: z.unknown(),
});
export type NdjsonEvent = z.infer<typeof NdjsonEvent>;
