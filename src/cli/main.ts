#!/usr/bin/env node
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadEventTypeModules, EVENTS_ENV } from '../events/load-event-type-modules.js';
import { COMMANDS } from './commands.js';
import { EXIT, type ExitCode } from './cli-command.js';
import { handleError } from './handle-error.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs the CLI on argv and resolves with the exit code (never calls process.exit itself). */
export async function main(argv: string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = new Command()
    .name('npx flightrec')
    .description('A flight recorder for model-based RL agents: record, show, replay, audit and diff every decision.')
    .version(pkg.version)
    .option('--db <path|url>', 'flightrec database: a file, or postgres://user@host:port/db (default: $FLIGHTREC_DB, else ./flightrec.db)')
    .option('--json', 'machine-readable output on stdout', false)
    .option('--events <modules>', `modules that define event families of your own (comma-separated, or in $${EVENTS_ENV})`)
    .configureHelp({ showGlobalOptions: true }) // --db and --json work after any command, so every command's help lists them
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const run = async (action: () => Promise<ExitCode>): Promise<void> => {
    try {
      code = await action();
    } catch (e) {
      code = handleError(e);
    }
  };
  // Registered before any command reads, writes or validates events, so every command knows them.
  program.hook('preAction', async () => {
    const specs = [process.env[EVENTS_ENV] ?? '', (program.opts() as { events?: string }).events ?? ''];
    await loadEventTypeModules(specs, process.cwd());
  });
  for (const c of COMMANDS) c.register(program, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    return handleError(e);
  }
  return code;
}

// A reader that stops early (`flightrec events … | head`) closes stdout; that ends the output, it is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = handleError(e);
  },
);
