import { FlightrecError } from '../../errors/flightrec-error.js';

/** Where a line of an NDJSON file is wrong: field path from the line's root, the problem, the value received. */
export interface LineIssue {
  readonly path: string;
  readonly problem: string;
  readonly received: string;
}

/** A line that makes the whole file unimportable; nothing of the file was stored. */
export class NdjsonImportError extends FlightrecError {
  readonly line: number;
  constructor(file: string, line: number, issue: LineIssue, hint?: string) {
    super('INVALID_IMPORT', `line ${line}: ${issue.path}: ${issue.problem}, received ${issue.received}`, {
      file,
      line,
      field: issue.path,
      received: issue.received,
      hint: hint ?? `nothing from ${file} was imported; fix line ${line} and import again`,
    });
    this.line = line;
  }
}
