import { dbShown } from '../db-flag.js';
import type { Command } from 'commander';
import { migrateDatabase } from '../../store/migrate-database.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';

/** `flightrec migrate`: the one command whose only job is to change a database's schema (read commands never do). */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  register(program, run) {
    program
      .command('migrate')
      .description("bring a database written by an older flightrec to this version's schema")
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(GlobalOptions, cmd.optsWithGlobals());
          const r = await migrateDatabase(o.db);
          if (o.json) printJson({ db: dbShown(o.db), applied: r.applied, schema: r.schema });
          else if (r.applied.length === 0) print(`${dbShown(o.db)} is up to date (schema ${r.schema.at(-1)})`);
          else print(`migrated ${dbShown(o.db)}: applied ${r.applied.join(', ')} (schema ${r.schema.at(-1)})`);
          return EXIT.ok;
        }),
      );
  },
};
