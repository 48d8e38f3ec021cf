import type { ComponentVersionDiff } from './diff-report.js';

/**
 * Version differences with a renamed component paired across the runs by its role: a swap that
 * put `goal_reward` where `reward` was lists one reward row (`reward → goal_reward`, A's version
 * of one beside B's version of the other), not two components each missing from one side.
 * `rolesA` / `rolesB` map each run's component names to roles (its run.started components).
 */
export function pairByRole(versions: readonly ComponentVersionDiff[], rolesA: ReadonlyMap<string, string>, rolesB: ReadonlyMap<string, string>): ComponentVersionDiff[] {
  const onlyA = (v: ComponentVersionDiff) => rolesA.has(v.component) && !rolesB.has(v.component);
  const onlyB = (v: ComponentVersionDiff) => rolesB.has(v.component) && !rolesA.has(v.component);
  const out: ComponentVersionDiff[] = [];
  const paired = new Set<ComponentVersionDiff>();
  for (const a of versions.filter(onlyA)) {
    const role = rolesA.get(a.component)!;
    const candidates = versions.filter((b) => onlyB(b) && !paired.has(b) && rolesB.get(b.component) === role);
    // Only an unambiguous pair: one component of the role left A and one came into B.
    if (candidates.length !== 1 || versions.filter((x) => onlyA(x) && rolesA.get(x.component) === role).length !== 1) continue;
    const b = candidates[0]!;
    paired.add(a).add(b);
    const firstAt = [a.first, b.first].filter((x) => x !== null).sort((x, y) => x.episode - y.episode || x.step - y.step)[0] ?? null;
    out.push({
      component: a.component,
      component_b: b.component,
      role,
      differing: Math.max(a.differing, b.differing),
      first: firstAt === null ? null : { ...firstAt, a: a.first?.a ?? null, b: b.first?.b ?? null },
    });
  }
  for (const v of versions) if (!paired.has(v)) out.push({ ...v, role: rolesA.get(v.component) ?? rolesB.get(v.component) ?? null });
  return out.sort((x, y) => (x.component < y.component ? -1 : x.component > y.component ? 1 : 0));
}
