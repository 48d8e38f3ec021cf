import { FlightrecError } from '../errors/flightrec-error.js';

/** The decisions a run holds, for saying which ids exist: null bounds when it has none. */
export interface DecisionRange {
  first: number | null;
  last: number | null;
  /** Distinct decision ids; less than last − first + 1 when the ids have gaps. */
  count: number;
}

/** A decision id the run does not hold; the message and `details` say which ids it does hold. */
export class DecisionNotFoundError extends FlightrecError {
  constructor(run: string, decision: number, range: DecisionRange) {
    const has =
      range.first === null || range.last === null
        ? 'has no decisions'
        : range.count === range.last - range.first + 1
          ? `has decisions ${range.first}..${range.last}`
          : `has ${range.count} decisions with ids between ${range.first} and ${range.last}`;
    super('NOT_FOUND', `decision ${decision} not found; run ${run} ${has}`, {
      what: 'decision',
      id: decision,
      run,
      ...range,
      hint: `list a run's decisions with \`npx flightrec events ${run} --type decision.started\``,
    });
  }
}
