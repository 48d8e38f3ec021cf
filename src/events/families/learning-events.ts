import { z } from 'zod';
import { AnyFloat, Count, Json, Rows, Version } from '../common-schemas.js';
import { defineEventType } from '../event-type.js';
import { Tensor } from '../tensor.js';

/**
 * One optimiser step of one component. The batch is named by the events it was built from and
 * also carried as tensors, so that any version can be rebuilt by re-applying updates from the
 * nearest checkpoint without recomputing targets from other components.
 */
export const ComponentUpdated = defineEventType({
  type: 'component.updated',
  payload: z.strictObject({
    from_version: Version,
    to_version: Version,
    /** Index of this update for this component, from 1. */
    update: Count,
    loss: AnyFloat,
    grad_norm: AnyFloat,
    batch: z.strictObject({
      events: Rows,
      tensors: z.record(z.string().min(1).max(64), Tensor),
    }),
    hyper: Json,
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
