import type { Command } from 'commander';
import { once } from 'node:events';
import { open, rm } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { exportRun } from '../../store/ndjson/export-run.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { stdoutReaderGone } from './stdout-reader.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({ run: z.string().min(1), out: z.string().min(1).optional() });

/** `flightrec export <run>`: the run as NDJSON, bit-exact, to a file or stdout. */
export const exportCommand: CliCommand = {
  name: 'export',
  register(program, run) {
    program
      .command('export')
      .description('write a run as NDJSON (tensors bit-exact), to stdout or --out; `npx flightrec import` reads it back')
      .argument('<run>', 'run id')
      .option('--out <file>', 'write to this file instead of stdout; a name ending in .gz is gzipped')
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          return await withStore(o.db, async (store) => {
            await store.getRun(o.run); // a missing run fails before an empty file is created
            if (o.out === undefined) {
              stdoutReaderGone(); // watch from the first write on
              try {
                await exportRun(store, o.run, process.stdout);
              } catch (e) {
                if (stdoutReaderGone()) return EXIT.ok;
                throw e;
              }
              return EXIT.ok;
            }
            const file = await open(o.out, 'w').catch((e: Error) => {
              throw new InvalidInputError(`cannot write --out ${o.out}: ${e.message}`, { field: '--out', value: o.out });
            });
            const fileStream = file.createWriteStream();
            // A .gz name is gzipped (NDJSON of tensors in base64 compresses several times); import reads either.
            const out = o.out.endsWith('.gz') ? createGzip() : fileStream;
            if (out !== fileStream) out.pipe(fileStream);
            try {
              const result = await exportRun(store, o.run, out);
              out.end();
              await once(fileStream, 'close');
              if (o.json) printJson({ ...result, file: o.out });
              else print(`exported ${result.events} events of run ${result.run} to ${o.out}`);
              return EXIT.ok;
            } catch (e) {
              out.destroy();
              fileStream.destroy();
              await rm(o.out, { force: true });
              throw e;
            }
          });
        }),
      );
  },
};
