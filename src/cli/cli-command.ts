import type { Command } from 'commander';
import { z } from 'zod';
import { InvalidInputError } from '../errors/flightrec-error.js';
import { defaultDb } from './db-flag.js';

/** Options every command has (declared once on the program). */
export const GlobalOptions = z.object({
  /** Resolved here rather than as commander's default, so `--help` never prints a URL's password from FLIGHTREC_DB. */
  db: z.string().min(1).default(defaultDb),
  json: z.boolean().default(false),
  /** Read by main's preAction hook; listed so that commands' strict option parsing accepts it. */
  events: z.string().optional(),
});
export type GlobalOptions = z.infer<typeof GlobalOptions>;

/** Exit codes: 0 ok, 1 a check found a problem, 2 bad usage or bad input. */
export const EXIT = { ok: 0, problem: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * One CLI command, in a file of its own. `register` declares it on the program; its action
 * returns an exit code rather than calling process.exit, and throws FlightrecErrors for bad input.
 */
export interface CliCommand {
  readonly name: string;
  register(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void;
}

/** Parses a command's options with its zod schema; an error names the option (as typed on the command line) and the value. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const flag = key ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options';
  const value = key && raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : raw;
  // zod's "expected array, received undefined" says nothing a user can act on: say the option is missing, and what it takes.
  if (key && value === undefined) throw new InvalidInputError(`missing ${flag}: ${issue.message.startsWith('Invalid input') ? 'it is required' : issue.message}`, { field: flag });
  throw new InvalidInputError(`invalid ${flag} ${JSON.stringify(value)}: ${issue.message}`, { field: flag, value });
}

/** Integer option parsed from its command-line string, e.g. `--limit 10`. */
export const IntOption = (what: string) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.int({ error: `${what} must be an integer` }));

/** Writes one JSON value as a line on stdout (the only thing --json output prints). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Human output: stdout, plain text. */
export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
