import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidInputError, NotFoundError } from '../errors/flightrec-error.js';
import { thrownMessage, thrownProperty } from '../errors/thrown-message.js';

/**
 * Imports a user's module (a factory or a component), resolving a relative path against `cwd`;
 * errors name the module. The module may throw anything while it loads (`throw null` too), so
 * the message is built without trusting what was thrown.
 */
export async function loadUserModule(file: string, cwd: string, field: string): Promise<Record<string, unknown>> {
  const abs = path.resolve(cwd, file);
  try {
    return (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    const message = thrownMessage(e);
    const missing = thrownProperty(e, 'code') === 'ERR_MODULE_NOT_FOUND' && message.includes(abs);
    if (missing) throw new NotFoundError('module', abs, { field, hint: `no file at ${abs}; check the path (relative paths are resolved against ${cwd})` });
    throw new InvalidInputError(`module ${abs} failed to load: ${message}`, { field, value: file });
  }
}
