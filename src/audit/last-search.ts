import type { PayloadOf } from '../events/registry.js';

type Level = PayloadOf<'planner.expanded'>;

/**
 * The levels of the search that chose: a decision that searched more than once recorded one run
 * of levels per search, each starting again from depth 0.
 */
export function lastSearch(levels: readonly Level[]): readonly Level[] {
  let start = 0;
  for (let i = 1; i < levels.length; i++) if (levels[i]!.depth <= levels[i - 1]!.depth) start = i;
  return levels.slice(start);
}
