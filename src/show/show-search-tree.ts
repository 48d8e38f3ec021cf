import type { RecordedEvent } from '../events/registry.js';
import type { Tensor, TensorData } from '../events/tensor.js';
import type { EnvironmentVocabulary } from './show-observation.js';

/** One node of a planner's search: a row of one planner.expanded level. */
export interface SearchNode {
  depth: number;
  /** Row in its level's tensors. */
  row: number;
  /** Row of its parent in the previous level; null at depth 0 and for independent plans. */
  parent_row: number | null;
  /** The action sequence from the root (length depth + 1 for discrete actions). */
  actions: number[];
  /** Imagined reward of the node's last step, null when not recorded. */
  reward: number | null;
  /** Critic value at the node's imagined state, null when not recorded. */
  leaf_value: number | null;
  score: number;
  /** The planner expanded this node further. */
  expanded: boolean;
  /** The node is on the chosen plan's path. */
  chosen: boolean;
  /** The imagined state in the environment's terms (e.g. the nearest grid cell), null when it has none. */
  imagined: string | null;
}

/** Per-level counts, so a reader can check the tree's shape without walking the nodes. */
export interface SearchLevel {
  depth: number;
  nodes: number;
  expanded: number;
  chosen: number[];
}

/** A decision's search as a tree: every node of the last search of the decision, level by level. */
export interface SearchTree {
  planner: string | null;
  version: string | null;
  /** Searches the decision ran (a new search starts when the depth goes back to 0 or less); the tree is the last one. */
  searches: number;
  levels: SearchLevel[];
  /** All nodes, by depth then row. */
  nodes: SearchNode[];
}

/**
 * Reads a decision's planner.expanded levels back as a tree. A node's parent is its `parents`
 * row when recorded, else the row of the previous level whose action sequence is this node's
 * prefix (null when none is: independent plans). Null when the decision did not search.
 */
export function searchTree(levels: readonly RecordedEvent<'planner.expanded'>[], vocabulary: EnvironmentVocabulary): SearchTree | null {
  if (levels.length === 0) return null;
  let start = 0;
  for (let i = 1; i < levels.length; i++) if (levels[i]!.payload.depth <= levels[i - 1]!.payload.depth) start = i;
  const search = levels.slice(start);
  const nodes: SearchNode[] = [];
  let prevPrefix: Map<string, number> | null = null;
  for (const level of search) {
    const p = level.payload;
    const n = rowCount(p.scores);
    const width = n === 0 ? 0 : p.actions.data.length / n;
    const expanded = new Set(p.expanded);
    const chosen = new Set(p.chosen);
    const prefix = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const actions = Array.from(p.actions.data.subarray(i * width, (i + 1) * width));
      prefix.set(actions.join(','), i);
      let parent: number | null = null;
      if (p.parents !== null) parent = p.parents.data[i]!;
      else if (prevPrefix !== null) parent = prevPrefix.get(actions.slice(0, -1).join(',')) ?? null;
      nodes.push({
        depth: p.depth,
        row: i,
        parent_row: parent,
        actions,
        reward: p.rewards === null ? null : p.rewards.data[i]!,
        leaf_value: p.leaf_values === null ? null : p.leaf_values.data[i]!,
        score: p.scores.data[i]!,
        expanded: expanded.has(i),
        chosen: chosen.has(i),
        imagined: p.states === null ? null : vocabulary.describeImagined(tensorRow(p.states, i)),
      });
    }
    prevPrefix = prefix;
  }
  const last = search[search.length - 1]!;
  return {
    planner: last.component,
    version: last.version,
    searches: countSearchStarts(levels),
    levels: search.map((l) => ({ depth: l.payload.depth, nodes: rowCount(l.payload.scores), expanded: l.payload.expanded.length, chosen: [...l.payload.chosen] })),
    nodes,
  };
}

function countSearchStarts(levels: readonly RecordedEvent<'planner.expanded'>[]): number {
  let n = levels.length > 0 ? 1 : 0;
  for (let i = 1; i < levels.length; i++) if (levels[i]!.payload.depth <= levels[i - 1]!.payload.depth) n++;
  return n;
}

/** Rows of a batched tensor: its first dimension (1 for a scalar). */
export function rowCount(t: Tensor): number {
  return t.shape.length === 0 ? 1 : t.shape[0]!;
}

/** Row `i` of a batched tensor, as a view. */
export function tensorRow(t: Tensor, i: number): TensorData {
  const width = t.data.length / Math.max(1, rowCount(t));
  return t.data.subarray(i * width, (i + 1) * width);
}
