import { z } from 'zod';
import { AnyFloat, Count, Json } from '../common-schemas.js';
import { defineEventType } from '../event-type.js';
import { Tensor } from '../tensor.js';

export const EpisodeStarted = defineEventType({
  type: 'episode.started',
  payload: z.strictObject({
    env_seed: z.int(),
    observation: Tensor,
    /** The environment's full state after reset, where it can save one (closed-loop replays restore it). */
    env_state: Json.nullable(),
  }),
});

export const EpisodeEnded = defineEventType({
  type: 'episode.ended',
  payload: z.strictObject({
    /** Undiscounted sum of the trained-on reward. */
    return: AnyFloat,
    discounted_return: AnyFloat,
    /** Undiscounted sum of the env's hidden performance signal, or null when it has none. */
    performance_return: AnyFloat.nullable(),
    length: Count,
    reason: z.enum(['terminated', 'truncated', 'aborted']),
  }),
});
