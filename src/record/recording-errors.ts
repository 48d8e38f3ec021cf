import { FlightrecError } from '../errors/flightrec-error.js';

/** The events kept for retry fill the run's buffer (maxBufferedBytes) while the store refuses writes. */
export class BufferFullError extends FlightrecError {
  constructor(run: string, buffered: number, max: number, cause: FlightrecError | null) {
    super('BUFFER_FULL', `run ${run}: ${buffered} bytes of events wait to be written (bound ${max}) and the store refuses writes${cause ? ` (${cause.message})` : ''}; the event was not recorded`, { run, bufferedBytes: buffered, maxBufferedBytes: max, hint: 'free space so the kept events can be written, or raise maxBufferedBytes' }, { cause });
  }
}

/** The run was ended (or closed) and takes no more events. */
export class RunClosedError extends FlightrecError {
  constructor(run: string) {
    super('RUN_CLOSED', `run ${run} is closed and takes no more events`, { run });
  }
}
