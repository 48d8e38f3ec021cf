import type { AnyComponent } from '../src/agent/components.js';
import { isCheckpointable, isTrainable } from '../src/agent/trainable.js';
import type { RecordedEvent } from '../src/events/registry.js';
import type { BatchDeriver } from './batch-deriver.js';
import { ReplayUnsupportedError, VersionRebuildError } from './replay-errors.js';

/**
 * Re-applies one recorded update to the live component through its Trainable contract: it must
 * start from the recorded from_version and reach the recorded to_version, bit for bit, or
 * VersionRebuildError names the update. A batch recorded by reference is derived first by
 * `deriver`, which checks it against its recorded hash (DerivedBatchError), so the component
 * always receives tensors.
 */
export function applyRecordedUpdate(component: AnyComponent, e: RecordedEvent<'component.updated'>, deriver: BatchDeriver): void {
  const p = e.payload;
  if (!isTrainable(component)) {
    throw new ReplayUnsupportedError(`component ${component.name} (${component.kind}) was updated at seq ${e.seq} but is not Trainable: implement applyUpdate(update) so replay can re-apply its recorded updates`, { component: component.name, seq: e.seq });
  }
  if (component.version() !== p.from_version) throw new VersionRebuildError(component.name, p.update, e.seq, p.from_version, component.version());
  const batch = 'recipe' in p.batch ? { events: p.batch.events, tensors: deriver.tensors(e, p.batch) } : p.batch;
  component.applyUpdate({ fromVersion: p.from_version, toVersion: p.to_version, index: p.update, batch, hyper: p.hyper, seq: e.seq });
  if (component.version() !== p.to_version) throw new VersionRebuildError(component.name, p.update, e.seq, p.to_version, component.version());
}

/** Loads a recorded checkpoint into the live component (Checkpointable) and checks it hashes to the recorded version. */
export function loadRecordedCheckpoint(component: AnyComponent, e: RecordedEvent<'checkpoint.saved'>): void {
  const p = e.payload;
  if (!isCheckpointable(component)) {
    throw new ReplayUnsupportedError(`the run saved a checkpoint of ${component.name} (${component.kind}) at seq ${e.seq}, but it is not Checkpointable: implement saveCheckpoint() and loadCheckpoint()`, { component: component.name, seq: e.seq });
  }
  component.loadCheckpoint({
    architecture: p.architecture,
    parameters: p.parameters.data as Float32Array,
    optimizerState: p.optimizer_state === null ? null : (p.optimizer_state.data as Float32Array),
  });
  if (e.version !== null && component.version() !== e.version) {
    throw new VersionRebuildError(component.name, p.update, e.seq, e.version, component.version());
  }
}
