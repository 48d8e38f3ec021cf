import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { Count } from '../../events/common-schemas.js';
import { describeValue, issuesFrom } from '../../events/event-errors.js';
import { FlightrecError, InvalidInputError, NotFoundError } from '../../errors/flightrec-error.js';
import { parseSealNote, type SealNote } from '../../seal/proof-file.js';
import type { RunSeal } from '../../store/verify-chain.js';

/** An unsigned seal file (JSON) as written by `flightrec seal` without --key; typed against RunSeal so the two cannot drift apart. */
export const SealFile: z.ZodType<RunSeal> = z.strictObject({
  run: z.string().min(1),
  events: Count,
  head_hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 as 64 lowercase hex digits'),
});

/** Where `flightrec seal <run>` writes by default: a signed note with --key, JSON without. */
export function defaultSealPath(run: string, signed = false): string {
  return signed ? `${run}.seal` : `${run}.seal.json`;
}

/** A seal as read: the head it covers, and for a signed seal its note (checkpoint and signatures). */
export interface ReadSeal {
  readonly seal: RunSeal;
  readonly note: SealNote | null;
}

export async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const what = flag === '--seal' || flag === '--from' ? 'seal file' : flag === '--key' ? 'key file' : 'file';
    if ((e as { code?: string }).code === 'ENOENT') throw new NotFoundError(what, path, what === 'seal file' ? { hint: 'write one with `npx flightrec seal <run> --out <file>`' } : {});
    throw new InvalidInputError(`cannot read ${path}: ${(e as Error).message}`, { field: flag, value: path });
  }
}

/** Reads and validates a seal file (a signed note, or the unsigned JSON form); errors name the file, the part and the value found. */
export async function readSealFile(path: string, flag = '--seal'): Promise<ReadSeal> {
  const text = await readText(path, flag);
  if (!text.trimStart().startsWith('{')) {
    try {
      const note = parseSealNote(text);
      const c = note.checkpoint;
      return { seal: { run: c.run, events: c.events, head_hash: c.head_hash }, note };
    } catch (e) {
      if (e instanceof FlightrecError) throw new FlightrecError(e.code, `seal file ${path}: ${e.message}`, { ...e.details, file: path, field: flag });
      throw e;
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(`seal file ${path} is not JSON (${(e as Error).message}), received ${describeValue(text)}`, { field: flag, value: path });
  }
  const r = SealFile.safeParse(json);
  if (r.success) return { seal: r.data, note: null };
  const i = issuesFrom(r.error, json)[0]!;
  throw new InvalidInputError(`seal file ${path}: ${i.path || '(root)'}: ${i.message}, received ${i.received}`, { field: i.path, value: i.received });
}
