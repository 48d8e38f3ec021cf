import type { Command } from 'commander';
import { z } from 'zod';
import { removeRun } from '../../store/remove-run.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({ run: z.string().min(1), force: z.boolean().default(false) });

/** `flightrec rm <run>`: deletes a derived, failed or interrupted run and the blobs only it used. */
export const rmCommand: CliCommand = {
  name: 'rm',
  register(program, run) {
    program
      .command('rm')
      .description('delete a derived, failed or interrupted run and the blobs no other run uses (other runs and their chains are untouched)')
      .argument('<run>', 'run id')
      .option('--force', 'also remove a run that other runs were derived from (they stay, naming a source that is gone)')
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          const r = await withStore(o.db, (store) => removeRun(store, o.run, { force: o.force }), { mustExist: true });
          if (o.json) printJson(r);
          else {
            print(`removed run ${r.run} (${r.status}): ${r.events} events, ${r.blobs} blobs (${r.blob_bytes} bytes) no other run used`);
            if (r.orphaned.length > 0) print(`  runs derived from it, kept: ${r.orphaned.join(', ')}`);
          }
          return EXIT.ok;
        }),
      );
  },
};
