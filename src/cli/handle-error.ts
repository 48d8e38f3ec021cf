import type { ErrorCode } from '../errors/error-codes.js';
import { FlightrecError } from '../errors/flightrec-error.js';
import { EXIT, type ExitCode } from './cli-command.js';

/**
 * Hints by error code: what the user can do next. A thrown error's own `details.hint` wins, because
 * it knows more (which file, which run).
 */
export const HINTS: Readonly<Partial<Record<ErrorCode, string>>> = {
  NOT_FOUND: 'list what exists with `npx flightrec runs`',
  DATABASE_NOT_FOUND: 'pass --db <path> to point at another database',
  NOT_A_FLIGHTREC_DATABASE: 'pass --db <path> to a database flightrec wrote, or a new file',
  SCHEMA_TOO_NEW: 'install a newer flightrec',
  SCHEMA_NEEDS_MIGRATION: 'migrate it with `npx flightrec migrate --db <path>`',
  UNKNOWN_EVENT_TYPE: 'see the event types in the README, or register your own family (README: "Event families of your own")',
  REPLAY_UNSUPPORTED: 'record the run with an agent factory: see the README section "Recording and replaying your own agent"',
  MODULE_CONTRACT_VIOLATED: "fix the module so that every call returns what its role's contract says (the table of role contracts in the README's Replaying section); the derived run was marked failed",
  MODULE_FAILED: 'the error is in the module, not in flightrec; the derived run was marked failed',
  VERSION_REBUILD_DIVERGED: "the component's applyUpdate is not deterministic, or it is not the code that recorded the run",
  DERIVED_BATCH_MISMATCH: 'the events a by-reference minibatch was derived from are not the ones it was recorded from: check the log with `npx flightrec verify <run>`',
  CHAIN_BROKEN: 'the database was changed after recording; `npx flightrec verify <run>` names the first bad event',
  COMPONENT_PROCESS_FAILED: 'the Python component process failed: its stderr is quoted above; run `python3 -m flightrec_client.serve_components <module>:<factory>` by hand to see it start (clients/python/PROTOCOL.md)',
  BACKEND_UNAVAILABLE: 'the wasm backend is always installed; tfjs-node is optional (see the README)',
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
