import { dbShown } from '../db-flag.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { FlightrecServer, SERVE_DEFAULTS } from '../../serve/flightrec-server.js';
import { ServerAccess } from '../../serve/server-access.js';
import { requireCompactable } from '../../store/compact-run.js';
import type { EventStore } from '../../store/event-store.js';
import { openStore } from '../../store/open-store.js';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { serverOptions } from './server-options.js';

const SERVER = serverOptions(7878);

const Options = GlobalOptions.extend({
  ...SERVER.schema,
  maxQueue: IntOption('max-queue').pipe(z.int().min(1).max(100_000)).default(SERVE_DEFAULTS.maxQueue),
  compact: z.boolean().default(false),
});

/** `flightrec serve`: the HTTP ingest and read API, until SIGTERM or SIGINT (which drain the queue first). */
export const serveCommand: CliCommand = {
  name: 'serve',
  register(program, run) {
    SERVER.declare(program.command('serve').description('serve the database over HTTP: record runs from Python (or any language) and read them as JSON'))
      .option('--max-queue <n>', 'batches queued before the server answers 429 Retry-After', String(SERVE_DEFAULTS.maxQueue))
      .option('--compact', 'compact each run into segments when its client ends it (SQLite only; see `npx flightrec compact`)')
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, cmd.optsWithGlobals());
          const access = ServerAccess.resolve({ host: o.host, token: o.token });
          const store = await openStore(o.db);
          if (o.compact) {
            try {
              requireCompactable(store, '--compact', '--compact');
            } catch (e) {
              await store.close();
              throw e;
            }
          }
          let server: FlightrecServer;
          try {
            server = await FlightrecServer.start({ store, access, port: o.port, maxQueue: o.maxQueue, compact: o.compact });
          } catch (e) {
            await store.close();
            throw e;
          }
          const info = { url: server.url, db: dbShown(o.db), token_required: access.token !== null };
          if (o.json) printJson(info);
          else print(`flightrec serve: listening on ${info.url} (database ${dbShown(o.db)}; ${info.token_required ? 'bearer token required' : 'no token: loopback only'})`);
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
