import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { FlightrecError, InvalidInputError } from '../../errors/flightrec-error.js';
import { verifyChain, type RunSeal } from '../../store/verify-chain.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { defaultSealPath } from './seal-file.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({ run: z.string().min(1), out: z.string().min(1).optional() });

/** `flightrec seal <run>`: writes the run's current head to a file meant to be kept elsewhere. */
export const sealCommand: CliCommand = {
  name: 'seal',
  register(program, run) {
    program
      .command('seal')
      .description("write a run's head (event count and last hash) to a file; keep it elsewhere and check with `verify --seal`")
      .argument('<run>', 'run id')
      .option('--out <file>', 'where to write the seal (default <run>.seal.json)')
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          // Sealing an already altered chain would vouch for it, so the chain is verified first.
          const report = await withStore(o.db, (store) => verifyChain(store, o.run));
          if (!report.ok) {
            throw new FlightrecError('CHAIN_BROKEN', `run ${o.run} does not verify (first bad seq ${report.first_bad_seq}: ${report.problem}); not sealing it`, {
              run: o.run,
              hint: `see \`flightrec verify ${o.run}\``,
            });
          }
          const seal: RunSeal = { run: o.run, events: report.events, head_hash: report.head_hash ?? '0'.repeat(64) };
          const file = o.out ?? defaultSealPath(o.run);
          try {
            await writeFile(file, `${JSON.stringify(seal, null, 2)}\n`);
          } catch (e) {
            throw new InvalidInputError(`cannot write the seal to ${file}: ${(e as Error).message}`, { field: '--out', value: file });
          }
          if (o.json) printJson({ ...seal, file });
          else print(`sealed run ${seal.run}: ${seal.events} events, head ${seal.head_hash} → ${file}`);
          return EXIT.ok;
        }),
      );
  },
};
