import { FlightrecError } from '../errors/flightrec-error.js';

/** A seal, proof or key file that does not follow its format: names the part, what is wrong and what was found. */
export class SealFormatError extends FlightrecError {
  constructor(part: string, problem: string, received: string, file?: string) {
    super('INVALID_SEAL', `${file === undefined ? '' : `${file}: `}${part} ${problem}, received ${received.length > 80 ? `${received.slice(0, 80)}…` : received}`, { part, received, ...(file === undefined ? {} : { file }) });
  }

}
