import type { DrivingDecision } from './audit-types.js';

/**
 * Driving decisions from several lists, in order, each decision once (its first entry): audits
 * pass first the list behind the rule that sets the verdict.
 */
export function uniqueDecisions(...lists: readonly (readonly DrivingDecision[])[]): DrivingDecision[] {
  const out: DrivingDecision[] = [];
  const seen = new Set<number>();
  for (const d of lists.flat()) {
    if (!seen.has(d.decision)) out.push(d);
    seen.add(d.decision);
  }
  return out;
}
