import { FlightrecError } from '../errors/flightrec-error.js';

/** `step()` was called with no episode running: before the first reset, or after it ended. */
export class EpisodeOverError extends FlightrecError {
  constructor(env: string, reason: 'not_started' | 'terminated' | 'truncated') {
    const hint = reason === 'not_started' ? 'no episode has started' : `the episode was ${reason}`;
    super('EPISODE_OVER', `${env}: cannot step, ${hint}; call reset(seed) first`, { env, reason });
  }
}
