import type { ReferenceAgent } from '../src/agent/reference/reference-agent.js';
import type { MlpComponent } from '../src/agent/reference/mlp-component.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { ReplayUnsupportedError, VersionRebuildError } from './replay-errors.js';

/** The learned component of the reference agent named by an event, or null for components replay does not track. */
export function learnedComponent(agent: ReferenceAgent, name: string | null): MlpComponent | null {
  switch (name) {
    case agent.worldModel.name:
      return agent.worldModel;
    case agent.reward.name:
      return agent.reward;
    case agent.critic.name:
      return agent.critic;
    case agent.actor.name:
      return agent.actor;
    default:
      return null;
  }
}

/**
 * Re-applies one recorded optimiser step to the live component: it must start from the recorded
 * from_version and reach the recorded to_version, bit for bit, or VersionRebuildError names it.
 */
export function applyUpdate(component: MlpComponent, e: RecordedEvent<'component.updated'>): void {
  const p = e.payload;
  if (component.version() !== p.from_version) throw new VersionRebuildError(component.name, p.update, e.seq, p.from_version, component.version());
  const inputs = p.batch.tensors.inputs;
  const targets = p.batch.tensors.targets;
  if (inputs === undefined || targets === undefined) {
    throw new ReplayUnsupportedError(`update ${p.update} of ${component.name} (seq ${e.seq}) does not carry its batch tensors`, { seq: e.seq });
  }
  const r = component.train({ rows: inputs.shape[0]!, inputs: inputs.data as Float32Array, targets: targets.data as Float32Array });
  if (r.toVersion !== p.to_version) throw new VersionRebuildError(component.name, p.update, e.seq, p.to_version, r.toVersion);
}

/** Loads a recorded checkpoint into the live component and checks it hashes to the recorded version. */
export function loadCheckpoint(component: MlpComponent, e: RecordedEvent<'checkpoint.saved'>): void {
  const p = e.payload;
  component.loadCheckpoint({
    architecture: p.architecture,
    parameters: p.parameters.data as Float32Array,
    optimizerState: p.optimizer_state === null ? null : (p.optimizer_state.data as Float32Array),
  });
  if (e.version !== null && component.version() !== e.version) {
    throw new VersionRebuildError(component.name, p.update, e.seq, e.version, component.version());
  }
}
