import { dbShown } from '../db-flag.js';
import type { Command } from 'commander';
import { runLiveness } from '../../store/run-liveness.js';
import { z } from 'zod';
import { readRunOrigin, RunKind } from '../../store/run-origin.js';
import { runView } from '../../store/run-view.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { cell, formatTable } from '../../text/format-table.js';
import { stdoutReaderGone } from './stdout-reader.js';
import { withStore } from './with-store.js';

const RunsOptions = GlobalOptions.extend({
  kind: z.string().transform((s) => s.split(',').map((k) => k.trim())).pipe(z.array(z.enum(RunKind.options, { error: `kinds are ${RunKind.options.join(', ')}` }))).optional(),
  source: z.string().min(1).optional(),
});

/** `flightrec runs`: every run in the database, newest first. */
export const runsCommand: CliCommand = {
  name: 'runs',
  register(program, run) {
    program
      .command('runs')
      .description('list the runs in the database, newest first, with their kind (training, open-loop, closed-loop) and what a replay overrode')
      .option('--kind <kind[,kind…]>', `only runs of these kinds: ${RunKind.options.join(', ')}`)
      .option('--source <run>', 'only runs derived from this run')
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(RunsOptions, cmd.optsWithGlobals());
          stdoutReaderGone(); // `| head` closing the pipe is not a crash
          // A derived run whose writer is gone is listed as interrupted, though nobody could write that down.
          const runs = await withStore(o.db, async (s) => {
            const rows = (await s.listRuns()).filter((r) => o.source === undefined || r.source_run === o.source);
            const out = [];
            for (const r of rows) out.push({ ...runView(r), status: (await runLiveness(s, r)).status, ...(await readRunOrigin(s, r.id)) });
            return out.filter((r) => o.kind === undefined || o.kind.includes(r.kind));
          });
          if (o.json) {
            printJson(runs);
            return EXIT.ok;
          }
          if (runs.length === 0) {
            print(o.kind === undefined && o.source === undefined ? `no runs in ${dbShown(o.db)}` : `no runs in ${dbShown(o.db)} match ${[o.kind && `--kind ${o.kind.join(',')}`, o.source && `--source ${o.source}`].filter(Boolean).join(' ')}`);
            return EXIT.ok;
          }
          const header = ['ID', 'NAME', 'KIND', 'STATUS', 'EVENTS', 'ENV', 'BACKEND', 'CREATED', 'SOURCE_RUN', 'OVERRIDES'];
          const rows = runs.map((r) => [r.id, cell(r.name), r.kind, r.status, String(r.events), cell(r.env), cell(r.backend), r.created, cell(r.source_run), cell(r.overrides.join(' '))]);
          for (const line of formatTable(header, rows, [4])) print(line);
          return EXIT.ok;
        }),
      );
  },
};
