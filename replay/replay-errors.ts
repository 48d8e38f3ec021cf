import { FlightrecError } from '../src/errors/flightrec-error.js';

/** A run that replay cannot rebuild (a component kind it has no factory for, a config it cannot read). */
export class ReplayUnsupportedError extends FlightrecError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('REPLAY_UNSUPPORTED', message, details);
  }
}

/** Re-applying the recorded updates did not give the recorded version: names the first update that diverged. */
export class VersionRebuildError extends FlightrecError {
  constructor(component: string, update: number, seq: number, expected: string, actual: string) {
    super(
      'VERSION_REBUILD_DIVERGED',
      `rebuilding ${component}: update ${update} (seq ${seq}) gave version ${actual}, the log says ${expected}`,
      { component, update, seq, expected, actual },
    );
  }
}
