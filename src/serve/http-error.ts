import type { ErrorCode } from '../errors/error-codes.js';
import { FlightrecError } from '../errors/flightrec-error.js';

/**
 * An error a flightrec server answers with: the HTTP status, a stable code, and the details a
 * client needs to act (for a refused batch: the line, the field and the value).
 */
export class HttpError extends FlightrecError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, details);
  }

  /** The status any FlightrecError maps to: the caller's fault is a 4xx, the store's a 503, anything else a 500. */
  static statusOf(e: unknown): number {
    if (e instanceof HttpError) return e.status;
    if (!(e instanceof FlightrecError)) return 500;
    if (e.code === 'NOT_FOUND') return 404;
    if (e.code === 'RUN_HAS_ANOTHER_WRITER' || e.code === 'RUN_EXISTS' || e.code === 'RUN_ENDED' || e.code === 'RUN_CLOSED') return 409;
    if (e.code === 'STORE_WRITE_FAILED') return 503;
    return 400;
  }
}
