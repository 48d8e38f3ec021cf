import { z } from 'zod';

/** One possible result of taking an action in a state. */
export const Outcome = z.strictObject({
  probability: z.number().min(0).max(1),
  nextState: z.int().nonnegative(),
  reward: z.number(),
  performance: z.number(),
  /** The episode ends on this transition: nothing after it counts. */
  terminal: z.boolean(),
});
export type Outcome = z.infer<typeof Outcome>;

/**
 * A finite MDP as exact solvers need it: `outcomes[s][a]` lists every outcome of action a in
 * state s, with probabilities summing to 1. It has no clock: truncation is the env's business.
 */
export const TransitionTable = z
  .strictObject({
    numStates: z.int().positive(),
    numActions: z.int().positive(),
    outcomes: z.array(z.array(z.array(Outcome))),
  })
  .superRefine((t, ctx) => {
    if (t.outcomes.length !== t.numStates) {
      ctx.addIssue({ code: 'custom', path: ['outcomes'], message: `expected ${t.numStates} states, got ${t.outcomes.length}` });
      return;
    }
    t.outcomes.forEach((byAction, s) => {
      if (byAction.length !== t.numActions) {
        ctx.addIssue({ code: 'custom', path: ['outcomes', s], message: `expected ${t.numActions} actions` });
        return;
      }
      byAction.forEach((list, a) => {
        const total = list.reduce((sum, o) => sum + o.probability, 0);
        if (Math.abs(total - 1) > 1e-9) {
          ctx.addIssue({ code: 'custom', path: ['outcomes', s, a], message: `probabilities sum to ${total}, not 1` });
        }
        list.forEach((o, i) => {
          if (o.nextState >= t.numStates) {
            ctx.addIssue({ code: 'custom', path: ['outcomes', s, a, i, 'nextState'], message: `state ${o.nextState} out of range` });
          }
        });
      });
    });
  });
export type TransitionTable = z.infer<typeof TransitionTable>;
