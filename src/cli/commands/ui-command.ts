import { dbShown } from '../db-flag.js';
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { z } from 'zod';
import { ServerAccess } from '../../serve/server-access.js';
import type { EventStore } from '../../store/event-store.js';
import { openStore } from '../../store/open-store.js';
import { startUiServer } from '../../ui/ui-server.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { serverOptions } from './server-options.js';

const SERVER = serverOptions(4173);

const UiOptions = GlobalOptions.extend({
  ...SERVER.schema,
  open: z.boolean().default(false),
});

/** `flightrec ui`: the web viewer on a local server, until interrupted. */
export const uiCommand: CliCommand = {
  name: 'ui',
  register(program, run) {
    SERVER.declare(program.command('ui').description('serve the web viewer: runs, a run with its timeline, decisions, audits, diffs, what-if replays'))
      .option('--open', 'open the viewer in the default browser')
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(UiOptions, cmd.optsWithGlobals());
          const access = ServerAccess.resolve({ host: o.host, token: o.token });
          const store = await openStore(o.db, { mustExist: true });
          const server = await startUiServer({ store, dbPath: o.db, access, port: o.port }).catch(async (e: unknown) => {
            await store.close();
            throw e;
          });
          if (o.json) printJson({ url: server.url, port: server.port });
          else print(`flightrec ui: ${server.url}  (database ${dbShown(o.db)}; Ctrl-C to stop)`);
          if (o.open) openBrowser(server.url);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await server.close();
          await store.close();
          return EXIT.ok;
        }),
      );
  },
};

/** The platform's opener, detached; a machine without one only misses the convenience (the URL is printed). */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`could not open a browser (${cmd}); open ${url}\n`));
  child.unref();
}
