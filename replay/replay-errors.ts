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

/**
 * A minibatch recorded by reference could not be derived again as it was: a source event is
 * missing or not what the recipe reads, or the derived tensors do not hash to the recorded
 * `derived_hash`. Names the component, the update and the reason; nothing is applied.
 */
export class DerivedBatchError extends FlightrecError {
  constructor(d: { component: string; update: number; seq: number; recipe: string; problem: string; expected?: string; actual?: string }) {
    super('DERIVED_BATCH_MISMATCH', `rebuilding ${d.component}: update ${d.update} (seq ${d.seq}, recipe ${d.recipe}): ${d.problem}`, d);
  }
}

/**
 * A component served by another process (a Python agent's) died, timed out or answered
 * something that is not the protocol: names the component and the call, and quotes the
 * process's last stderr lines. A replay stops at a fatal one (the process is gone, or its state is
 * unknown); a derived run is ended as failed.
 */
export class ComponentProcessError extends FlightrecError {
  constructor(
    component: string,
    call: string,
    problem: string,
    stderr = '',
    /** False when the component's own code raised: the process is still in a known state and can answer the next call. */
    readonly fatal = true,
  ) {
    const tail = stderr.trim().split('\n').slice(-12).join('\n');
    super('COMPONENT_PROCESS_FAILED', `${component}: ${call}: ${problem}${tail ? `\n--- the component process's stderr (last lines):\n${tail}` : ''}`, { component, call, problem, stderr: tail, fatal });
  }
}

/** A swapped-in module answered a call with something its role's contract does not allow (src/agent/role-contract.ts). */
export class ModuleContractError extends FlightrecError {
  constructor(d: { module: string; role: string; component: string; method: string; call: number; field: string; expected: string; received: string }) {
    super('MODULE_CONTRACT_VIOLATED', `module ${d.module} (${d.role} ${JSON.stringify(d.component)}): ${d.method}() call ${d.call} returned ${d.field} = ${d.received}, expected ${d.expected}`, d);
  }
}

/** A swapped-in module threw (or rejected) during a call: the user's code failed, not flightrec. */
export class ModuleFailedError extends FlightrecError {
  constructor(d: { module: string; role: string; component: string; method: string; call: number; message: string }, cause: unknown) {
    super('MODULE_FAILED', `module ${d.module} (${d.role} ${JSON.stringify(d.component)}): ${d.method}() call ${d.call} threw: ${d.message}`, d, { cause });
  }
}
