import { z } from 'zod';
import { AnyFloat, Count, Json, Rows, Version } from '../common-schemas.js';
import { defineEventType } from '../event-type.js';
import { Tensor } from '../tensor.js';

const TensorName = z.string().min(1).max(64);

/** A minibatch carried as its tensors (every version-1 batch, and any learner that names no recipe). */
export const InlineBatch = z.strictObject({
  /** seqs of the events the batch's rows came from, in row order. */
  events: Rows,
  tensors: z.record(TensorName, Tensor),
});
export type InlineBatch = z.infer<typeof InlineBatch>;

/**
 * A minibatch recorded by reference: its rows are re-derived from the events `events` names, in
 * order, by the named recipe (replay/batch-recipes.ts), and the derived tensors must hash to
 * `derived_hash` (sha256 of their canonical encoding, derivedBatchHash) before an update is
 * re-applied, so a rebuild is still checked bit for bit.
 */
export const DerivedBatch = z.strictObject({
  events: Rows,
  /** Which recipe derives the tensors, e.g. 'reference/world_model@1'. */
  recipe: z.string().regex(/^[a-z][a-z0-9_./-]{0,62}@[0-9]{1,4}$/, "recipe names are '<name>@<version>'"),
  /** Shape of each derived tensor, by name (what a reader shows without deriving, and what sizes the rows). */
  shapes: z.record(TensorName, z.array(Count).max(8)),
  derived_hash: z.string().regex(/^[0-9a-f]{64}$/, 'derived_hash is 64 lower-case hex digits (sha256)'),
});
export type DerivedBatch = z.infer<typeof DerivedBatch>;

const UpdateFields = {
  from_version: Version,
  to_version: Version,
  /** Index of this update for this component, from 1. */
  update: Count,
  loss: AnyFloat,
  grad_norm: AnyFloat,
  hyper: Json,
};

/** Version 1: the batch always carried its tensors. */
const ComponentUpdatedV1 = z.strictObject({ ...UpdateFields, batch: InlineBatch });

/**
 * One optimiser step of one component. The batch is named by the events it was built from and
 * either carried as tensors or, where the tensors can be re-derived from those events (version 2),
 * recorded by reference with the hash of the derived tensors. Either way any version can be
 * rebuilt by re-applying updates from the nearest checkpoint, checked bit for bit.
 */
export const ComponentUpdated = defineEventType({
  type: 'component.updated',
  v: 2,
  payload: z.strictObject({ ...UpdateFields, batch: z.union([InlineBatch, DerivedBatch]) }),
  previous: { 1: ComponentUpdatedV1 },
  // A version-1 batch is an inline batch, which version 2 still accepts as it was.
  upcasters: { 1: (p) => p },
});

/**
 * Training targets a learner computed once for a component from other components (TD(λ) returns
 * from the critic at an episode's end): the one part of a minibatch the env events alone do not
 * determine. Recorded once per row, so that updates sampling these rows again and again can be
 * recorded by reference.
 */
export const ComponentTargets = defineEventType({
  type: 'component.targets',
  payload: z.strictObject({
    /** seqs of the env.stepped events the rows belong to, one per target. */
    events: Rows,
    /** float32 [rows]: the target of each row. */
    targets: Tensor,
    /** Version of the component the targets were computed with (the critic bootstrapping them). */
    computed_with: Version,
  }),
});

/** Parameters (and optimiser state) of a component at a version, stored as blobs. */
export const CheckpointSaved = defineEventType({
  type: 'checkpoint.saved',
  payload: z.strictObject({
    update: Count,
    architecture: z.string().min(1).max(1000),
    parameters: Tensor,
    optimizer_state: Tensor.nullable(),
  }),
});
