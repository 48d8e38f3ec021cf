import { f32 } from '../../events/tensor.js';
import type { SeededRng } from '../../random/seeded-rng.js';
import type { Learner, Transition } from '../learner.js';
import type { LearningSink } from '../learning-sink.js';
import type { AgentConfig } from './agent-config.js';
import type { TrainingBatch } from './mlp-component.js';
import type { ReferenceAgent } from './reference-agent.js';
import { RowBuffer } from './transition-buffer.js';

type LearnedComponent = ReferenceAgent['worldModel' | 'reward' | 'critic' | 'actor'];

function argmax(q: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < q.length; i++) if (q[i]! > q[best]!) best = i;
  return best;
}

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
 * input/target tensors, and a checkpoint is saved every `checkpointEvery` updates, so any
 * version can be rebuilt from the log.
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
  private readonly actions: number;
  private readonly actorTarget: number;

  constructor(
    private readonly agent: ReferenceAgent,
    private readonly config: AgentConfig,
    private readonly rng: SeededRng,
  ) {
    this.obs = agent.critic.inputSize;
    // Action columns of a transition row: one-hot ids, or the continuous action as it was.
    this.actions = agent.worldModel.actionCount;
    this.actorTarget = agent.actor.targetSize;
    // row: s, onehot(a), r, s', terminated
    this.transitions = new RowBuffer(config.bufferSize, this.obs * 2 + this.actions + 2);
    this.criticData = new RowBuffer(config.criticBufferSize ?? config.bufferSize, this.obs + 1);
    this.actorData = new RowBuffer(config.bufferSize, this.obs + this.actorTarget);
  }

  /** Saves update-0 checkpoints, the base every later version is rebuilt from. */
  start(sink: LearningSink): void {
    for (const c of this.learned()) this.checkpoint(c, sink);
  }

  private learned(): LearnedComponent[] {
    return [this.agent.worldModel, this.agent.reward, this.agent.critic, this.agent.actor];
  }

  observe(t: Transition, sink: LearningSink): void {
    const { obs, actions } = this;
    const { observation: s, reward, nextObservation: next, terminated, envSeq } = t;
    const row = new Float32Array(obs * 2 + actions + 2);
    row.set(s, 0);
    if (typeof t.action === 'number') row[obs + t.action] = 1;
    else row.set(t.action, obs);
    row[obs + actions] = reward;
    row.set(next, obs + actions + 1);
    row[obs * 2 + actions + 1] = terminated ? 1 : 0;
    this.transitions.push(row, envSeq);
    const actorRow = new Float32Array(obs + this.actorTarget);
    actorRow.set(s, 0);
    // Discrete: the planner's greedy action; continuous: the action it executed.
    if (typeof t.action === 'number') actorRow[obs + argmax(t.scores)] = 1;
    else actorRow.set(t.action, obs);
    this.actorData.push(actorRow, envSeq);
    this.trajectory.states.push(s);
    this.trajectory.rewards.push(reward);
    this.trajectory.nextStates.push(next);
    this.trajectory.seqs.push(envSeq);
    this.steps++;
    if (this.steps >= this.config.warmupSteps && this.steps % this.config.trainEvery === 0) this.update(sink);
  }

  /** Turns the finished episode into TD(λ) critic targets (bootstrapped when truncated, 0 after termination). */
  endEpisode(terminated: boolean, _sink: LearningSink): void {
    const t = this.trajectory;
    const n = t.states.length;
    if (n === 0) return;
    const { gamma, lambda } = this.config;
    const next = new Float32Array(n * this.obs);
    t.nextStates.forEach((s, i) => next.set(s, i * this.obs));
    const v = this.agent.critic.evaluate(f32(next, [n, this.obs])).data;
    let g = 0;
    for (let i = n - 1; i >= 0; i--) {
      const bootstrap = i === n - 1 ? (terminated ? 0 : v[i]!) : (1 - lambda) * v[i]! + lambda * g;
      g = t.rewards[i]! + gamma * bootstrap;
      const row = new Float32Array(this.obs + 1);
      row.set(t.states[i]!, 0);
      row[this.obs] = g;
      this.criticData.push(row, t.seqs[i]!);
    }
    this.trajectory = { states: [], rewards: [], nextStates: [], seqs: [] };
  }

  private update(sink: LearningSink): void {
    const { obs, actions } = this;
    const B = this.config.batchSize;
    const tr = this.transitions;
    const rows = tr.sample(this.rng, B);
    const sa = tr.gather(rows, 0, obs + actions);
    const s = tr.gather(rows, 0, obs);
    const next = tr.gather(rows, obs + actions + 1, obs * 2 + actions + 1);
    const term = tr.gather(rows, obs * 2 + actions + 1, obs * 2 + actions + 2);
    const wmTargets = new Float32Array(B * (obs + 1));
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < obs; j++) wmTargets[i * (obs + 1) + j] = next[i * obs + j]! - s[i * obs + j]!;
      wmTargets[i * (obs + 1) + obs] = term[i]!;
    }
    const seqs = rows.map((r) => tr.seqs[r]!);
    this.step(sink, this.agent.worldModel, { rows: B, inputs: sa, targets: wmTargets }, seqs);
    this.step(sink, this.agent.reward, { rows: B, inputs: sa, targets: tr.gather(rows, obs + actions, obs + actions + 1) }, seqs);
    if (this.criticData.size > 0) {
      const cr = this.criticData.sample(this.rng, B);
      this.step(sink, this.agent.critic, { rows: B, inputs: this.criticData.gather(cr, 0, obs), targets: this.criticData.gather(cr, obs, obs + 1) }, cr.map((r) => this.criticData.seqs[r]!));
    }
    const ar = this.actorData.sample(this.rng, B);
    this.step(sink, this.agent.actor, { rows: B, inputs: this.actorData.gather(ar, 0, obs), targets: this.actorData.gather(ar, obs, obs + this.actorTarget) }, ar.map((r) => this.actorData.seqs[r]!));
  }

  private step(sink: LearningSink, component: LearnedComponent, batch: TrainingBatch, seqs: number[]): void {
    const rngState = this.rng.state();
    const r = component.train(batch);
    const inSize = batch.inputs.length / batch.rows;
    const outSize = batch.targets.length / batch.rows;
    sink.componentUpdated(
      component,
      { fromVersion: r.fromVersion, toVersion: r.toVersion, index: component.updates, loss: r.loss, gradNorm: r.gradNorm },
      { events: seqs.filter((q) => q >= 0), tensors: { inputs: f32(batch.inputs, [batch.rows, inSize]), targets: f32(batch.targets, [batch.rows, outSize]) } },
      { rng_state_after_sampling: rngState },
    );
    if (component.updates % this.config.checkpointEvery === 0) this.checkpoint(component, sink);
  }

  private checkpoint(component: LearnedComponent, sink: LearningSink): void {
    sink.checkpointSaved(component, component.updates, component.saveCheckpoint());
  }
}
