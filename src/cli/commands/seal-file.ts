import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { Count } from '../../events/common-schemas.js';
import { describeValue, issuesFrom } from '../../events/event-errors.js';
import { InvalidInputError, NotFoundError } from '../../errors/flightrec-error.js';
import type { RunSeal } from '../../store/verify-chain.js';

/** A seal file as written by `flightrec seal`; typed against RunSeal so the two cannot drift apart. */
export const SealFile: z.ZodType<RunSeal> = z.strictObject({
  run: z.string().min(1),
  events: Count,
  head_hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 as 64 lowercase hex digits'),
});

/** Where `flightrec seal <run>` writes by default. */
export function defaultSealPath(run: string): string {
  return `${run}.seal.json`;
}

/** Reads and validates a seal file; errors name the file, the field and the value found. */
export async function readSealFile(path: string): Promise<RunSeal> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new NotFoundError('seal file', path, { hint: 'write one with `flightrec seal <run> --out <file>`' });
    throw new InvalidInputError(`cannot read seal file ${path}: ${(e as Error).message}`, { field: '--seal', value: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(`seal file ${path} is not JSON (${(e as Error).message}), received ${describeValue(text)}`, { field: '--seal', value: path });
  }
  const r = SealFile.safeParse(json);
  if (r.success) return r.data;
  const i = issuesFrom(r.error, json)[0]!;
  throw new InvalidInputError(`seal file ${path}: ${i.path || '(root)'}: ${i.message}, received ${i.received}`, { field: i.path, value: i.received });
}
