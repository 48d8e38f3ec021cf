import { z } from 'zod';
import { InvalidInputError } from '../errors/flightrec-error.js';

/** Parses with a zod schema, turning failure into an InvalidInputError that carries the issues. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidInputError(`invalid ${what}: ${z.prettifyError(result.error)}`, { what, issues: result.error.issues });
  }
  return result.data;
}
