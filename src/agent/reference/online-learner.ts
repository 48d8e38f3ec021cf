import { f32 } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import type { Learner, Transition } from '../learner.js';
import type { LearningSink } from '../learning-sink.js';
import type { AgentConfig } from './agent-config.js';
import type { ReferenceAgent } from './reference-agent.js';
import { actorRow, BATCH_RECIPES, batchFromRows, criticRow, transitionRow, type LearnedRole, type RowLayout } from './training-rows.js';
import { RowBuffer } from './transition-buffer.js';

type LearnedComponent = ReferenceAgent['worldModel' | 'reward' | 'critic' | 'actor'];

interface Trajectory {
  states: Float32Array[];
  rewards: number[];
  nextStates: Float32Array[];
  seqs: number[];
}

/**
 * Online training of the reference agent's four learned components. Every `trainEvery` env
 * steps each component takes one Adam step on a minibatch sampled (seeded) from its buffer;
 * each step is recorded with the seqs of the env.stepped events it learned from and the exact
 * input/target tensors, named by reference (a recipe in training-rows.ts and the tensors' hash)
 * when every row came from a recorded event, and a checkpoint is saved every `checkpointEvery`
 * updates, so any version can be rebuilt from the log. The critic's TD(λ) targets are recorded
 * once, at the end of their episode (component.targets), since the env events alone do not
 * determine them.
 *
 * - world model: (s, a) → (s' − s, terminated)
 * - reward: (s, a) → r
 * - critic: s → TD(λ) return, computed at episode end with the critic of that moment
 * - actor: s → the planner's greedy action (cross-entropy), i.e. the actor distils the planner
 */
export class OnlineLearner implements Learner {
  private readonly transitions: RowBuffer;
  private readonly criticData: RowBuffer;
  private readonly actorData: RowBuffer;
  private trajectory: Trajectory = { states: [], rewards: [], nextStates: [], seqs: [] };
  private steps = 0;
  private readonly obs: number;
  private readonly layout: RowLayout;

  constructor(
    private readonly agent: ReferenceAgent,
    private readonly config: AgentConfig,
    private readonly rng: SeededRng,
  ) {
    this.obs = agent.critic.inputSize;
    // Action columns of a transition row: one-hot ids, or the continuous action as it was.
    this.layout = { obs: this.obs, actions: agent.worldModel.actionCount, actorTarget: agent.actor.targetSize };
    const { obs, actions, actorTarget } = this.layout;
    // row: s, onehot(a), r, s', terminated
    this.transitions = new RowBuffer(config.bufferSize, obs * 2 + actions + 2);
    this.criticData = new RowBuffer(config.criticBufferSize ?? config.bufferSize, obs + 1);
    this.actorData = new RowBuffer(config.bufferSize, obs + actorTarget);
  }

  /** Saves update-0 checkpoints, the base every later version is rebuilt from. */
  start(sink: LearningSink): void {
    for (const c of this.learned()) this.checkpoint(c, sink);
  }

  /** Checkpoints each component whose last update was not: swapping in `@latest` then loads one checkpoint instead of re-training every update after the last one. */
  finish(sink: LearningSink): void {
    for (const c of this.learned()) if (c.updates % this.config.checkpointEvery !== 0) this.checkpoint(c, sink);
  }

  private learned(): LearnedComponent[] {
    return [this.agent.worldModel, this.agent.reward, this.agent.critic, this.agent.actor];
  }

  observe(t: Transition, sink: LearningSink): void {
    const { observation: s, reward, nextObservation: next, envSeq } = t;
    const facts = { observation: s, action: t.action, reward, nextObservation: next, terminated: t.terminated, scores: t.scores };
    this.transitions.push(transitionRow(this.layout, facts), envSeq);
    this.actorData.push(actorRow(this.layout, facts), envSeq);
    this.trajectory.states.push(s);
    this.trajectory.rewards.push(reward);
    this.trajectory.nextStates.push(next);
    this.trajectory.seqs.push(envSeq);
    this.steps++;
    if (this.steps >= this.config.warmupSteps && this.steps % this.config.trainEvery === 0) this.update(sink);
  }

  /** Turns the finished episode into TD(λ) critic targets (bootstrapped when truncated, 0 after termination). */
  endEpisode(terminated: boolean, sink: LearningSink): void {
    const t = this.trajectory;
    const n = t.states.length;
    if (n === 0) return;
    const { gamma, lambda } = this.config;
    const next = new Float32Array(n * this.obs);
    t.nextStates.forEach((s, i) => next.set(s, i * this.obs));
    const v = this.agent.critic.evaluate(f32(next, [n, this.obs])).data;
    let g = 0;
    const targets = new Float32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      const bootstrap = i === n - 1 ? (terminated ? 0 : v[i]!) : (1 - lambda) * v[i]! + lambda * g;
      g = t.rewards[i]! + gamma * bootstrap;
      const row = criticRow(this.layout, t.states[i]!, g);
      targets[i] = row[this.obs]!;
      this.criticData.push(row, t.seqs[i]!);
    }
    if (t.seqs.every((q) => q >= 0)) sink.targetsComputed?.(this.agent.critic, t.seqs, targets, this.agent.critic.version());
    this.trajectory = { states: [], rewards: [], nextStates: [], seqs: [] };
  }

  private update(sink: LearningSink): void {
    const B = this.config.batchSize;
    const tr = this.transitions;
    const rows = tr.sample(this.rng, B);
    const seqs = rows.map((r) => tr.seqs[r]!);
    const transitionRows = rows.map((r) => tr.row(r));
    this.step(sink, this.agent.worldModel, 'world_model', transitionRows, seqs);
    this.step(sink, this.agent.reward, 'reward', transitionRows, seqs);
    if (this.criticData.size > 0) {
      const cr = this.criticData.sample(this.rng, B);
      this.step(sink, this.agent.critic, 'critic', cr.map((r) => this.criticData.row(r)), cr.map((r) => this.criticData.seqs[r]!));
    }
    const ar = this.actorData.sample(this.rng, B);
    this.step(sink, this.agent.actor, 'actor', ar.map((r) => this.actorData.row(r)), ar.map((r) => this.actorData.seqs[r]!));
  }

  private step(sink: LearningSink, component: LearnedComponent, role: LearnedRole, rows: Float32Array[], seqs: number[]): void {
    const batch = batchFromRows(role, this.layout, rows);
    const rngState = this.rng.state();
    const r = component.train(batch);
    const inSize = batch.inputs.length / batch.rows;
    const outSize = batch.targets.length / batch.rows;
    // By reference only when every row's events are in the log (and, for the critic, its targets).
    const derivable = seqs.every((q) => q >= 0) && (role !== 'critic' || sink.targetsComputed !== undefined);
    sink.componentUpdated(
      component,
      { fromVersion: r.fromVersion, toVersion: r.toVersion, index: component.updates, loss: r.loss, gradNorm: r.gradNorm },
      {
        events: seqs.filter((q) => q >= 0),
        tensors: { inputs: f32(batch.inputs, [batch.rows, inSize]), targets: f32(batch.targets, [batch.rows, outSize]) },
        ...(derivable ? { recipe: BATCH_RECIPES[role] } : {}),
      },
      { rng_state_after_sampling: rngState },
    );
    if (component.updates % this.config.checkpointEvery === 0) this.checkpoint(component, sink);
  }

  private checkpoint(component: LearnedComponent, sink: LearningSink): void {
    sink.checkpointSaved(component, component.updates, component.saveCheckpoint());
  }
}
