import { ActorConsistencyAudit, type ActorConsistencyResult } from './actor-consistency-audit.js';
import { actorConsistencyReport } from './actor-consistency-report.js';
import type { AuditDefinition } from './audit-definition.js';
import type { AuditOutcome } from './audit-types.js';
import { CriticCalibrationAudit, type CriticCalibrationResult } from './critic-calibration-audit.js';
import { criticCalibrationReport } from './critic-calibration-report.js';
import { RewardDivergenceAudit, type RewardDivergenceResult } from './reward-divergence-audit.js';
import { rewardDivergenceReport } from './reward-divergence-report.js';
import { WorldModelAudit, type WorldModelResult } from './world-model-audit.js';
import { worldModelReport } from './world-model-report.js';

function defineAudit<N extends string, K extends string, R extends AuditOutcome>(d: AuditDefinition<N, K, R>): AuditDefinition<N, K, R> {
  return d;
}

/**
 * The audits `flightrec audit` runs, in report order. A new audit is one more value here (a
 * projection and its report); nothing else in flightrec names the checks.
 */
export const AUDITS = [
  defineAudit<'critic', 'critic', CriticCalibrationResult>({ name: 'critic', key: 'critic', needsGamma: true, ...criticCalibrationReport, create: (ctx) => new CriticCalibrationAudit(ctx) }),
  defineAudit<'actor', 'actor', ActorConsistencyResult>({ name: 'actor', key: 'actor', needsGamma: true, ...actorConsistencyReport, create: (ctx) => new ActorConsistencyAudit(ctx) }),
  defineAudit<'world-model', 'world_model', WorldModelResult>({ name: 'world-model', key: 'world_model', needsGamma: true, ...worldModelReport, create: (ctx) => new WorldModelAudit(ctx) }),
  defineAudit<'reward', 'reward', RewardDivergenceResult>({ name: 'reward', key: 'reward', needsGamma: false, ...rewardDivergenceReport, create: (_ctx, inputs) => new RewardDivergenceAudit(inputs) }),
] as const;

type AnyAudit = (typeof AUDITS)[number];
type ResultOf<A> = A extends AuditDefinition<string, string, infer R> ? R : never;

/** The names `--check` takes. */
export type CheckName = AnyAudit['name'];
export const CHECK_NAMES: readonly CheckName[] = AUDITS.map((a) => a.name);

/** Every audit's result, keyed as in JSON output. */
export type AuditChecks = { [A in AnyAudit as A['key']]?: ResultOf<A> };

/** An audit by the name `--check` takes, widened so that callers iterate without knowing which. */
export function auditsNamed(names: readonly CheckName[]): readonly AuditDefinition[] {
  return AUDITS.filter((a) => names.includes(a.name)) as unknown as readonly AuditDefinition[];
}
