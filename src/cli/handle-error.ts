import { FlightrecError } from '../errors/flightrec-error.js';
import { EXIT, type ExitCode } from './cli-command.js';

/** Hints by error code: what the user can do next. */
const HINTS: Record<string, string> = {
  NOT_FOUND: 'list what exists with `flightrec runs`',
  DATABASE_NOT_FOUND: 'pass --db <path> to point at another database',
  SCHEMA_TOO_NEW: 'install a newer flightrec',
  UNKNOWN_EVENT_TYPE: 'see the event types in the README',
};

/** Turns any error into a message on stderr and an exit code: FlightrecErrors are the user's to fix (2); anything else is a bug (1). */
export function handleError(e: unknown): ExitCode {
  if (e instanceof FlightrecError) {
    process.stderr.write(`flightrec: error [${e.code}]: ${e.message}\n`);
    const hint = typeof e.details.hint === 'string' ? e.details.hint : HINTS[e.code];
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    return EXIT.usage;
  }
  const err = e as { code?: string; message?: string; stack?: string };
  if (err?.code === 'commander.helpDisplayed' || err?.code === 'commander.version') return EXIT.ok;
  if (typeof err?.code === 'string' && err.code.startsWith('commander.')) return EXIT.usage;
  process.stderr.write(`flightrec: internal error: ${err?.stack ?? String(e)}\n`);
  return EXIT.problem;
}
