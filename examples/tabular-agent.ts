// A model-based agent of your own, in plain TypeScript, as an agent factory module: flightrec
// records it through the harness, and replay asks this same module to build it again.
// The critic learns online (TD(0) on a table); it is Trainable, so replay re-applies each
// recorded update, and Checkpointable, so any version can be rebuilt from its last checkpoint.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  GRIDWORLD_LAYOUT,
  defineEventType,
  registerEventTypes,
  f32,
  i32,
  type Actor,
  type AgentFactory,
  type Checkpointable,
  type ComponentCheckpoint,
  type ConfigurablePlanner,
  type Critic,
  type Learner,
  type RecordedUpdate,
  type RewardFunction,
  type Tensor,
  type Trainable,
  type WorldModel,
} from 'flightrec';

/**
 * An event family of this agent's own: how the lookahead made its ε draw. The planner returns it as
 * `internals`; flightrec validates, stores and shows it like its own events, and replay compares it.
 * Other commands learn it from `--events examples/tabular-agent.js` (or FLIGHTREC_EVENTS).
 */
export const LookaheadDrew = defineEventType({
  type: 'lookahead.drew',
  decisionScoped: true,
  role: 'planner',
  replayable: true,
  payload: z.strictObject({ draw: z.number(), epsilon: z.number(), explored: z.boolean(), greedy: z.int() }),
});
export const eventTypes = [LookaheadDrew];
registerEventTypes(eventTypes);

const ROWS = GRIDWORLD_LAYOUT.length;
const COLS = GRIDWORLD_LAYOUT[0]!.length;
const CELLS = ROWS * COLS;
const MOVES = [[-1, 0], [0, 1], [1, 0], [0, -1]] as const; // up, right, down, left
const GOAL = GRIDWORLD_LAYOUT.join('').indexOf('G');

const cellOf = (states: Tensor, row: number): number => {
  let best = 0;
  for (let i = 1; i < CELLS; i++) if (states.data[row * CELLS + i]! > states.data[row * CELLS + best]!) best = i;
  return best;
};
const nextCell = (cell: number, action: number): number => {
  const [dr, dc] = MOVES[action]!;
  const r = Math.floor(cell / COLS) + dr;
  const c = (cell % COLS) + dc;
  return r < 0 || r >= ROWS || c < 0 || c >= COLS || GRIDWORLD_LAYOUT[r]![c] === '#' ? cell : r * COLS + c;
};
const oneHot = (cells: number[]): Tensor => {
  const out = new Float32Array(cells.length * CELLS);
  cells.forEach((cell, i) => (out[i * CELLS + cell] = 1));
  return f32(out, [cells.length, CELLS]);
};

/** The map as the designer drew it: deterministic moves, walls block. Frozen. */
const worldModel: WorldModel = {
  name: 'map_model', role: 'world_model', kind: 'tabular-map', version: () => 'map-v1',
  predict(states, actions) {
    const n = states.shape[0]!;
    return { nextStates: oneHot(Array.from({ length: n }, (_, i) => nextCell(cellOf(states, i), actions.data[i]!))), done: null };
  },
};

/** What the designer wants: reaching the goal. Frozen. */
const reward: RewardFunction = {
  name: 'goal_reward', role: 'reward', kind: 'hand-written', version: () => 'goal-v1',
  evaluate(states, _actions, nextStates) {
    return f32(Array.from({ length: states.shape[0]! }, (_, i) => (nextStates !== null && cellOf(nextStates, i) === GOAL ? 1 : 0)));
  },
};

/** V(cell), learned online by TD(0). */
class TableCritic implements Critic, Trainable, Checkpointable {
  readonly name = 'table_critic';
  readonly role = 'critic';
  readonly kind = 'tabular-td0';
  values = new Float32Array(CELLS);
  updates = 0;
  constructor(readonly alpha: number) {}
  version(): string {
    return createHash('sha256').update(new Uint8Array(this.values.buffer)).digest('hex').slice(0, 16);
  }
  evaluate(states: Tensor): Tensor {
    return f32(Array.from({ length: states.shape[0]! }, (_, i) => this.values[cellOf(states, i)]!));
  }
  /** One TD(0) step per row: V(s) += α (target − V(s)). Used live and by replay alike. */
  learn(cells: Int32Array, targets: Float32Array): void {
    for (let i = 0; i < cells.length; i++) this.values[cells[i]!] = this.values[cells[i]!]! + this.alpha * (targets[i]! - this.values[cells[i]!]!);
    this.updates++;
  }
  applyUpdate(update: RecordedUpdate): void {
    this.learn(update.batch.tensors.cells!.data as Int32Array, update.batch.tensors.targets!.data as Float32Array);
  }
  saveCheckpoint(): ComponentCheckpoint {
    return { architecture: `table:${CELLS}`, parameters: this.values.slice(), optimizerState: Float32Array.of(this.updates) };
  }
  loadCheckpoint(c: ComponentCheckpoint): void {
    if (c.architecture !== `table:${CELLS}`) throw new Error(`not a ${CELLS}-cell table: ${c.architecture}`);
    this.values = c.parameters.slice();
    this.updates = c.optimizerState?.[0] ?? 0;
  }
}

/** No policy of its own: every action equally likely. Frozen. */
const actor: Actor = {
  name: 'uniform_actor', role: 'actor', kind: 'uniform', version: () => 'uniform-v1',
  propose: (states) => f32(new Float32Array(states.shape[0]! * 4).fill(0.25), [states.shape[0]!, 4]),
};

interface LookaheadSettings { [k: string]: number; epsilon: number; discount: number }

/** One-step lookahead: Q(a) = r̂(s, a) + γ·V(ŝ'), ε-greedy. `--set planner.epsilon=0` changes it on replay. */
function lookahead(settings: LookaheadSettings): ConfigurablePlanner {
  return {
    name: 'lookahead', role: 'planner', kind: 'one-step-lookahead',
    version: () => `eps${settings.epsilon}-g${settings.discount}`,
    settings: () => ({ ...settings }),
    withSettings(changes) {
      for (const [k, v] of Object.entries(changes)) {
        if (!(k in settings)) throw new RangeError(`lookahead has no setting ${k}; its settings are epsilon, discount`);
        if (typeof v !== 'number' || v < 0 || v > 1) throw new RangeError(`planner.${k} must be a number in [0, 1], got ${String(v)}`);
      }
      return lookahead({ ...settings, ...changes } as LookaheadSettings);
    },
    plan(observation, c, rng) {
      const states = f32(new Float32Array(4 * CELLS).map((_, i) => observation.data[i % CELLS]!), [4, CELLS]);
      const actions = i32([0, 1, 2, 3]);
      const { nextStates } = c.worldModel.predict(states, actions);
      const r = c.reward.evaluate(states, actions, nextStates);
      const v = c.critic.evaluate(nextStates);
      const q = f32(Array.from({ length: 4 }, (_, a) => r.data[a]! + settings.discount * v.data[a]!));
      let best = 0;
      for (let a = 1; a < 4; a++) if (q.data[a]! > q.data[best]!) best = a;
      const draw = rng.uniform();
      const explored = draw < settings.epsilon;
      const action = explored ? rng.int(4) : best;
      return {
        action, candidates: actions, scores: q, chosenIndex: action, value: q.data[action]!, prior: null,
        search: [{ depth: 1, actions, parents: null, states: nextStates, rewards: r, leafValues: v, scores: q, expanded: [], chosen: [action] }],
        internals: [{ type: LookaheadDrew.type, payload: { draw, epsilon: settings.epsilon, explored, greedy: best } }],
      };
    },
  };
}

/** TD(0) on every real transition, with the env's reward; a checkpoint every 50 updates. */
function tdLearner(critic: TableCritic, discount: number): Learner {
  const save = (sink: Parameters<Learner['start']>[0]) => sink.checkpointSaved(critic, critic.updates, critic.saveCheckpoint());
  return {
    start: save,
    endEpisode: () => undefined,
    observe(t, sink) {
      const cells = Int32Array.of(cellOf(f32(t.observation, [1, CELLS]), 0));
      const bootstrap = t.terminated ? 0 : critic.values[cellOf(f32(t.nextObservation, [1, CELLS]), 0)]!;
      const targets = Float32Array.of(t.reward + discount * bootstrap);
      const fromVersion = critic.version();
      critic.learn(cells, targets);
      sink.componentUpdated(
        critic,
        { fromVersion, toVersion: critic.version(), index: critic.updates, loss: (targets[0]! - critic.values[cells[0]!]!) ** 2, gradNorm: 0 },
        { events: t.envSeq >= 0 ? [t.envSeq] : [], tensors: { cells: i32(cells), targets: f32(targets) } },
        { alpha: critic.alpha },
      );
      if (critic.updates % 50 === 0) save(sink);
    },
  };
}

/** The factory: everything comes from the recorded config and discount, so replay builds the same agent. */
const tabularAgent: AgentFactory = {
  create(ctx) {
    const config = ctx.config as { alpha: number; epsilon: number };
    const discount = ctx.discount ?? 0.95;
    const critic = new TableCritic(config.alpha);
    return {
      components: { worldModel, reward, critic, actor, planner: lookahead({ epsilon: config.epsilon, discount }) },
      learner: tdLearner(critic, discount),
      backend: null,
      dispose: () => undefined,
    };
  },
};
export default tabularAgent;
