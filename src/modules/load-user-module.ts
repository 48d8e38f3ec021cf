import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidInputError, NotFoundError } from '../errors/flightrec-error.js';

/** Imports a user's module (a factory or a component), resolving a relative path against `cwd`; errors name the module. */
export async function loadUserModule(file: string, cwd: string, field: string): Promise<Record<string, unknown>> {
  const abs = path.resolve(cwd, file);
  try {
    return (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(abs);
    if (missing) throw new NotFoundError('module', abs, { field, hint: `no file at ${abs}; check the path (relative paths are resolved against ${cwd})` });
    throw new InvalidInputError(`module ${abs} failed to load: ${(e as Error).message}`, { field, value: file });
  }
}
