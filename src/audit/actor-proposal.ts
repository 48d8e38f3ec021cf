import type { DecisionView } from './decision-view.js';
import { rowCount, tensorRowKey } from './row-key.js';

/** The actor's probabilities at the observation (the first actor.proposed row there), when recorded. */
export function proposedProbs(view: DecisionView): number[] | null {
  for (const e of view.events('actor.proposed')) {
    const probs = e.payload.probs;
    if (probs === null) continue;
    const n = rowCount(e.payload.states);
    const A = probs.data.length / Math.max(1, n);
    for (let i = 0; i < n; i++) if (tensorRowKey(e.payload.states, i) === view.observationKey) return Array.from(probs.data.subarray(i * A, (i + 1) * A));
  }
  return null;
}

/** The action the actor's proposal at the observation makes most probable (the first on ties), when recorded. */
export function proposedArgmax(view: DecisionView): number | null {
  const probs = proposedProbs(view);
  if (probs === null) return null;
  let best = 0;
  for (let a = 1; a < probs.length; a++) if (probs[a]! > probs[best]!) best = a;
  return best;
}
