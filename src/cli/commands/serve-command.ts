import type { Command } from 'commander';
import { z } from 'zod';
import { FlightrecServer, SERVE_DEFAULTS } from '../../serve/flightrec-server.js';
import { ServerAccess, TOKEN_ENV } from '../../serve/server-access.js';
import { SqliteEventStore } from '../../store/sqlite-event-store.js';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';

const Options = GlobalOptions.extend({
  host: z.string().min(1).default('127.0.0.1'),
  port: IntOption('port').pipe(z.int().min(0).max(65535)).default(7878),
  token: z.string().optional(),
  maxQueue: IntOption('max-queue').pipe(z.int().min(1).max(100_000)).default(SERVE_DEFAULTS.maxQueue),
});

/** `flightrec serve`: the HTTP ingest and read API, until SIGTERM or SIGINT (which drain the queue first). */
export const serveCommand: CliCommand = {
  name: 'serve',
  register(program, run) {
    program
      .command('serve')
      .description('serve the database over HTTP: record runs from Python (or any language) and read them as JSON')
      .option('--host <address>', 'address to bind; beyond loopback a token is required', '127.0.0.1')
      .option('--port <n>', 'port (0: any free port)', '7878')
      .option('--token <secret>', `bearer token every request must carry (default: $${TOKEN_ENV})`)
      .option('--max-queue <n>', 'batches queued before the server answers 429 Retry-After', String(SERVE_DEFAULTS.maxQueue))
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, cmd.optsWithGlobals());
          const access = ServerAccess.resolve({ host: o.host, token: o.token });
          const store = await SqliteEventStore.open(o.db);
          let server: FlightrecServer;
          try {
            server = await FlightrecServer.start({ store, access, port: o.port, maxQueue: o.maxQueue });
          } catch (e) {
            await store.close();
            throw e;
          }
          const info = { url: server.url, db: o.db, token_required: access.token !== null };
          if (o.json) printJson(info);
          else print(`flightrec serve: listening on ${info.url} (database ${o.db}; ${info.token_required ? 'bearer token required' : 'no token: loopback only'})`);
          const signal = await new Promise<NodeJS.Signals>((resolve) => {
            process.once('SIGTERM', () => resolve('SIGTERM'));
            process.once('SIGINT', () => resolve('SIGINT'));
          });
          process.stderr.write(`flightrec serve: ${signal}: draining the queue\n`);
          await server.stop();
          await store.close();
          process.stderr.write('flightrec serve: stopped; every accepted batch is stored\n');
          return EXIT.ok;
        }),
      );
  },
};
