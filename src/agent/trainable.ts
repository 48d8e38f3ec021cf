import type { Json } from '../events/common-schemas.js';
import type { Checkpointable, Component } from './components.js';
import type { UpdateBatch } from './learning-sink.js';

/** A recorded update as replay hands it back to the component that made it. */
export interface RecordedUpdate {
  fromVersion: string;
  toVersion: string;
  /** This component's update count after the update. */
  index: number;
  batch: UpdateBatch;
  hyper: Json;
  /** Log position of the component.updated event (for error messages). */
  seq: number;
}

/**
 * A component that moves only by recorded updates. `applyUpdate` is deterministic: given the
 * parameters of `update.fromVersion` and the recorded batch, it reaches `update.toVersion` bit
 * for bit. Replay checks both versions around every call and names the first update that misses
 * (VERSION_REBUILD_DIVERGED); a component that learned but is not Trainable cannot be replayed
 * past its first update.
 */
export interface Trainable {
  applyUpdate(update: RecordedUpdate): void;
}

export function isTrainable(c: Component): c is Component & Trainable {
  return typeof (c as Partial<Trainable>).applyUpdate === 'function';
}

export function isCheckpointable(c: Component): c is Component & Checkpointable {
  const x = c as Partial<Checkpointable>;
  return typeof x.saveCheckpoint === 'function' && typeof x.loadCheckpoint === 'function';
}
