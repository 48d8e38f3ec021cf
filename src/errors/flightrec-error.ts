import type { ErrorCode } from './error-codes.js';

/**
 * Base of every error flightrec throws on purpose. `code` is stable (callers and the CLI switch on
 * it); `details` carries the data a caller needs to act (the field, the value, the run...).
 */
export class FlightrecError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Input that does not fit what was asked for: a bad CLI value, a malformed file, a bad argument. CLI exit code 2. */
export class InvalidInputError extends FlightrecError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, details, options);
  }
}

/** A named thing (run, event, decision, version, file) that does not exist. CLI exit code 2. */
export class NotFoundError extends FlightrecError {
  constructor(what: string, id: string | number, details: Record<string, unknown> = {}) {
    super('NOT_FOUND', `${what} not found: ${String(id)}`, { what, id, ...details });
  }
}
