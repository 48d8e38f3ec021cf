import { z } from 'zod';
import { f32, i32, type Tensor } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import type { DecisionPoint, PlanningComponents, PlanResult, SearchLevel } from '../components.js';
import { parsePlannerSettings, settingsVersion, type ConfigurablePlanner, type PlannerSettingValue } from '../planner-settings.js';

export const BeamPlannerConfig = z.strictObject({
  /** Search depth in imagined steps. */
  horizon: z.int().min(1).max(32),
  /** Nodes kept for expansion at each level. */
  beam: z.int().min(1).max(4096),
  gamma: z.number().gt(0).max(1),
  /** ε-greedy exploration: ε = max(min, start · decay^episode). */
  epsilonStart: z.number().min(0).max(1),
  epsilonDecay: z.number().gt(0).max(1),
  epsilonMin: z.number().min(0).max(1),
});
export type BeamPlannerConfig = z.infer<typeof BeamPlannerConfig>;

interface Node {
  state: Float32Array;
  ret: number;
  alive: number;
  first: number;
  path: number[];
  /** Row in its level and its parent's row in the previous level. */
  row: number;
  parentRow: number;
}

/**
 * Tree search through the world model for discrete actions. Each level expands every kept node
 * by every action in one batched call per component (world model, reward, critic), scores nodes
 * by imagined discounted reward plus the discounted critic value of the state reached (weighted
 * by the predicted probability that the episode is still running), keeps the best `beam` nodes,
 * and backs leaf scores up the tree: Q(a) is the best leaf score below first action a.
 * Its version is the hash of its settings; it has no learned parameters.
 */
export class BeamPlanner implements ConfigurablePlanner {
  readonly role = 'planner' as const;
  readonly kind = 'beam-tree-search';
  readonly config: BeamPlannerConfig;
  private readonly versionHash: string;

  constructor(
    readonly name: string,
    readonly actionCount: number,
    config: z.input<typeof BeamPlannerConfig>,
  ) {
    this.config = BeamPlannerConfig.parse(config);
    this.versionHash = settingsVersion({ kind: this.kind, actionCount, ...this.config });
  }

  version(): string {
    return this.versionHash;
  }

  settings(): Record<string, PlannerSettingValue> {
    return { ...this.config };
  }

  withSettings(changes: Record<string, PlannerSettingValue>): BeamPlanner {
    const config = parsePlannerSettings(BeamPlannerConfig, { ...this.config, ...changes }, changes, this.kind, Object.keys(this.config));
    return new BeamPlanner(this.name, this.actionCount, config);
  }

  epsilon(episode: number): number {
    const c = this.config;
    return Math.max(c.epsilonMin, c.epsilonStart * c.epsilonDecay ** episode);
  }

  plan(observation: Tensor, components: PlanningComponents, rng: SeededRng, at: DecisionPoint): PlanResult {
    const A = this.actionCount;
    const { gamma, horizon, beam } = this.config;
    const obsSize = observation.data.length;
    const root = f32(observation.data, [1, obsSize]);
    const prior = components.actor.propose(root);
    // V(s) at the real state: not needed to choose, but it is what critic calibration audits against realized returns.
    components.critic.evaluate(root);
    let frontier: Node[] = [{ state: observation.data as Float32Array, ret: 0, alive: 1, first: -1, path: [], row: -1, parentRow: -1 }];
    const levels: SearchLevel[] = [];
    const levelNodes: Node[][] = [];
    for (let d = 0; d < horizon; d++) {
      const n = frontier.length * A;
      const states = new Float32Array(n * obsSize);
      const actions = new Int32Array(n);
      frontier.forEach((node, p) => {
        for (let a = 0; a < A; a++) {
          states.set(node.state, (p * A + a) * obsSize);
          actions[p * A + a] = a;
        }
      });
      const statesT = f32(states, [n, obsSize]);
      const actionsT = i32(actions);
      const wm = components.worldModel.predict(statesT, actionsT);
      const rewards = components.reward.evaluate(statesT, actionsT, wm.nextStates).data;
      const values = components.critic.evaluate(wm.nextStates).data;
      const discount = gamma ** d;
      const children: Node[] = [];
      const scores = new Float32Array(n);
      const paths = new Int32Array(n * (d + 1));
      for (let i = 0; i < n; i++) {
        const parent = frontier[Math.floor(i / A)]!;
        const a = actions[i]!;
        const done = wm.done === null ? 0 : wm.done.data[i]!;
        const alive = parent.alive * (1 - done);
        const ret = parent.ret + discount * parent.alive * rewards[i]!;
        scores[i] = ret + discount * gamma * alive * values[i]!;
        const path = [...parent.path, a];
        paths.set(path, i * (d + 1));
        children.push({ state: wm.nextStates.data.subarray(i * obsSize, (i + 1) * obsSize) as Float32Array, ret, alive, first: d === 0 ? a : parent.first, path, row: i, parentRow: parent.row });
      }
      const expanded = d + 1 < horizon ? topRows(scores, beam) : [];
      levels.push({
        depth: d,
        actions: i32(paths, [n, d + 1]),
        parents: d === 0 ? null : i32(children.map((c) => c.parentRow)),
        states: wm.nextStates,
        rewards: f32(rewards),
        leafValues: f32(values),
        scores: f32(scores),
        expanded,
        chosen: [],
      });
      levelNodes.push(children);
      frontier = expanded.map((r) => children[r]!);
    }
    // Back up: a node's value is its score when it was not expanded, else its best child's value.
    const best = backUp(levels, levelNodes, A);
    const q = new Float32Array(A);
    const bestLeaf: (Node | null)[] = new Array(A).fill(null);
    for (let a = 0; a < A; a++) {
      q[a] = best[0]![a]!.value;
      bestLeaf[a] = best[0]![a]!.leaf;
    }
    let chosenIndex = argmax(q);
    if (rng.uniform() < this.epsilon(at.episode)) chosenIndex = rng.int(A);
    markChosenPath(levels, levelNodes, bestLeaf[chosenIndex]!);
    return {
      action: chosenIndex,
      candidates: i32(Array.from({ length: A }, (_, a) => a)),
      scores: f32(q),
      chosenIndex,
      value: q[chosenIndex]!,
      search: levels,
      prior,
    };
  }
}

function topRows(scores: Float32Array, k: number): number[] {
  const rows = Array.from(scores.keys());
  rows.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return rows.slice(0, k).sort((a, b) => a - b);
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]! || Number.isNaN(x[best]!)) best = i;
  return best;
}

function backUp(levels: SearchLevel[], nodes: Node[][], A: number): { value: number; leaf: Node }[][] {
  const out: { value: number; leaf: Node }[][] = levels.map(() => []);
  for (let d = levels.length - 1; d >= 0; d--) {
    const level = levels[d]!;
    const expandedAt = new Map(level.expanded.map((row, k) => [row, k]));
    for (let i = 0; i < nodes[d]!.length; i++) {
      const k = expandedAt.get(i);
      if (k === undefined) {
        out[d]![i] = { value: level.scores.data[i]!, leaf: nodes[d]![i]! };
      } else {
        let best = out[d + 1]![k * A]!;
        for (let a = 1; a < A; a++) if (out[d + 1]![k * A + a]!.value > best.value) best = out[d + 1]![k * A + a]!;
        out[d]![i] = best;
      }
    }
  }
  return out;
}

function markChosenPath(levels: SearchLevel[], nodes: Node[][], leaf: Node): void {
  // Walk from the leaf up through parent rows; parents of depth d+1 index rows of depth d.
  let depth = leaf.path.length - 1;
  let row = leaf.row;
  while (depth >= 0) {
    levels[depth]!.chosen = [row];
    const node = nodes[depth]![row]!;
    row = node.parentRow;
    depth--;
  }
}
