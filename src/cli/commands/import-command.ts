import type { Command } from 'commander';
import { z } from 'zod';
import { checkImportFile, importNdjson } from '../../store/ndjson/import-ndjson.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { stat } from 'node:fs/promises';
import { onInterrupt } from '../on-interrupt.js';
import { startProgress } from '../terminal-progress.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({ file: z.string().min(1), allowTruncated: z.boolean().default(false) });

/** `flightrec import <file.ndjson>`: validates the whole file, then stores the run (idempotent). */
export const importCommand: CliCommand = {
  name: 'import',
  register(program, run) {
    program
      .command('import')
      .description('import a run written by `npx flightrec export`; every line is checked first, and re-importing is a no-op')
      .argument('<file>', 'NDJSON file (gzipped or not)')
      .option('--allow-truncated', 'import a file that ends without the trailer `npx flightrec export` writes (it may be cut short: a cut file imports as a shorter run)')
      .action((file: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), file });
          // Checked before opening the database, so a mistyped file name does not create one.
          await checkImportFile(o.file);
          // One transaction: an import stopped halfway leaves nothing behind.
          onInterrupt(() => [`import of ${o.file} stopped: nothing from it was imported`]);
          const bar = startProgress({ label: 'importing (check, then write)', total: 2 * (await stat(o.file)).size, what: 'MB', json: o.json, megabytes: true });
          let r;
          try {
            r = await withStore(o.db, (store) => importNdjson(store, o.file, { allowTruncated: o.allowTruncated, onProgress: (bytes) => bar.update(bytes) }), {});
          } finally {
            bar.stop();
          }
          if (o.json) printJson({ ...r, file: o.file });
          else print(`imported run ${r.run} from ${o.file}: ${r.events} events appended, ${r.skipped} already present`);
          return EXIT.ok;
        }),
      );
  },
};
