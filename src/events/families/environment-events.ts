import { z } from 'zod';
import { Action, Finite } from '../common-schemas.js';
import { defineEventType } from '../event-type.js';
import { Tensor } from '../tensor.js';

/** The outcome of a decision: what the real environment did with the chosen action. */
export const EnvStepped = defineEventType({
  type: 'env.stepped',
  decisionScoped: true,
  payload: z.strictObject({
    action: Action,
    observation: Tensor,
    reward: Finite,
    terminated: z.boolean(),
    truncated: z.boolean(),
    /** The env's hidden performance signal (what the designer values), never shown to the agent; null when it has none. */
    performance: Finite.nullable(),
  }),
});
