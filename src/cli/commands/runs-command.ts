import type { Command } from 'commander';
import { runLiveness } from '../../store/run-liveness.js';
import { runView } from '../../store/run-view.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { cell, formatTable } from '../../text/format-table.js';
import { stdoutReaderGone } from './stdout-reader.js';
import { withStore } from './with-store.js';

/** `flightrec runs`: every run in the database, newest first. */
export const runsCommand: CliCommand = {
  name: 'runs',
  register(program, run) {
    program
      .command('runs')
      .description('list the runs in the database, newest first')
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(GlobalOptions, cmd.optsWithGlobals());
          stdoutReaderGone(); // `| head` closing the pipe is not a crash
          // A derived run whose writer is gone is listed as interrupted, though nobody could write that down.
          const runs = await withStore(o.db, async (s) => Promise.all((await s.listRuns()).map(async (r) => ({ ...runView(r), status: (await runLiveness(s, r)).status }))));
          if (o.json) {
            printJson(runs);
            return EXIT.ok;
          }
          if (runs.length === 0) {
            print(`no runs in ${o.db}`);
            return EXIT.ok;
          }
          const header = ['ID', 'NAME', 'STATUS', 'EVENTS', 'ENV', 'BACKEND', 'CREATED', 'SOURCE_RUN'];
          const rows = runs.map((r) => [r.id, cell(r.name), r.status, String(r.events), cell(r.env), cell(r.backend), r.created, cell(r.source_run)]);
          for (const line of formatTable(header, rows, [3])) print(line);
          return EXIT.ok;
        }),
      );
  },
};
