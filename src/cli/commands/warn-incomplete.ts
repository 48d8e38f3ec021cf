import { incompleteRunWarning } from '../../store/run-liveness.js';
import type { EventStore } from '../../store/event-store.js';

/** Says on stderr (never stdout, which --json keeps clean) when a command read a run that is not complete. */
export async function warnIfIncomplete(store: EventStore, run: string): Promise<void> {
  const warning = await incompleteRunWarning(store, run);
  if (warning !== null) process.stderr.write(`flightrec: warning: ${warning}\n`);
}
