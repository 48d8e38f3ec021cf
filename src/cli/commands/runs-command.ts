import type { Command } from 'commander';
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
          const runs = (await withStore(o.db, (s) => s.listRuns())).map(runView);
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
