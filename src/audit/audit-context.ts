import type { Role } from '../events/event-type.js';
import { InvalidInputError } from '../errors/flightrec-error.js';
import { recordedDiscount } from '../events/recorded-discount.js';
import { readEventsOfType } from '../store/event-reader.js';
import type { EventStore } from '../store/event-store.js';

/** What audits need to know about a run before reading its decisions. */
export interface AuditContext {
  run: string;
  /** Environment id (run.started env, else config.env), or null. */
  env: string | null;
  /** Discount of returns: what run.started recorded (its `discount`, or the reference agent's config.agent.gamma in older runs), else the caller's, else null. */
  gamma: number | null;
  /** Where gamma came from. */
  gammaSource: 'run.started discount' | '--gamma' | null;
  /** Discount the planner scores imagined returns with (config agent.planner.gamma, else gamma). */
  plannerGamma: number | null;
  /** Search depth from config agent.planner.horizon, or null (then the deepest search seen is used). */
  horizon: number | null;
  /** Component names registered in each role, from run.started. */
  roleNames: Map<Role, string[]>;
}

/** Reads a run's run.started (NotFoundError when the run does not exist) into an AuditContext. */
export async function readAuditContext(store: EventStore, run: string, options: { gamma?: number } = {}): Promise<AuditContext> {
  let started = null;
  for await (const e of readEventsOfType(store, run, 'run.started', { limit: 1 })) started = e;
  const config = (started?.payload.config ?? {}) as Record<string, unknown>;
  const agent = (isObject(config.agent) ? config.agent : {}) as Record<string, unknown>;
  const planner = (isObject(agent.planner) ? agent.planner : {}) as Record<string, unknown>;
  const configGamma = started === null ? null : probability(recordedDiscount(started));
  if (options.gamma !== undefined && !(options.gamma > 0 && options.gamma <= 1)) {
    throw new InvalidInputError(`--gamma must be in (0, 1], got ${options.gamma}`, { field: '--gamma', value: options.gamma });
  }
  if (options.gamma !== undefined && configGamma !== null && options.gamma !== configGamma) {
    throw new InvalidInputError(`--gamma ${options.gamma} disagrees with the discount run ${run} recorded (${configGamma}); the audits use the recorded one — drop --gamma`, { field: '--gamma', value: options.gamma });
  }
  const gamma = configGamma ?? options.gamma ?? null;
  const roleNames = new Map<Role, string[]>();
  for (const c of started?.payload.components ?? []) roleNames.set(c.role, [...(roleNames.get(c.role) ?? []), c.name]);
  const env = started?.payload.env ?? (typeof config.env === 'string' ? config.env : null);
  return {
    run,
    env,
    gamma,
    gammaSource: configGamma !== null ? 'run.started discount' : options.gamma !== undefined ? '--gamma' : null,
    plannerGamma: probability(planner.gamma) ?? gamma,
    horizon: typeof planner.horizon === 'number' && Number.isInteger(planner.horizon) && planner.horizon > 0 ? planner.horizon : null,
    roleNames,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function probability(v: unknown): number | null {
  return typeof v === 'number' && v > 0 && v <= 1 ? v : null;
}
