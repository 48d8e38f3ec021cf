import type { Command } from 'commander';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { copyRuns } from '../../store/copy-runs.js';
import { openStore } from '../../store/open-store.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { formatTable } from '../../text/format-table.js';

const Options = GlobalOptions.extend({ from: z.string().min(1), to: z.string().min(1), run: z.array(z.string().min(1)).default([]) });

/** `flightrec copy <from-db> <to-db>`: moves runs between any two stores, idempotently, chains verified on arrival. */
export const copyCommand: CliCommand = {
  name: 'copy',
  register(program, run) {
    program
      .command('copy')
      .description('copy runs from one store to another (a file or postgres://…, either way); re-running copies only what is new, and every chain is verified on arrival')
      .argument('<from-db>', 'the store to read: a file or postgres://user@host:port/db')
      .argument('<to-db>', 'the store to write (created and migrated when needed)')
      .option('--run <id...>', 'copy only these runs (default: every run)')
      .action((from: string, to: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), from, to });
          if (o.from === o.to) throw new InvalidInputError(`copy needs two different stores, got ${o.from} twice`, { field: '<to-db>', value: o.to });
          const source = await openStore(o.from, { readonly: true });
          try {
            const target = await openStore(o.to);
            try {
              const copied = await copyRuns(source, target, o.run);
              if (o.json) printJson(copied);
              else {
                for (const line of formatTable(['RUN', 'STATUS', 'COPIED', 'ALREADY THERE', 'CHAIN'], copied.map((c) => [c.run, c.status, String(c.copied), String(c.already), c.chain_ok ? 'ok' : `BROKEN: ${c.problem}`]))) print(line);
                print(`${copied.length} run${copied.length === 1 ? '' : 's'} from ${source.location} to ${target.location}`);
              }
              return copied.every((c) => c.chain_ok) ? EXIT.ok : EXIT.problem;
            } finally {
              await target.close();
            }
          } finally {
            await source.close();
          }
        }),
      );
  },
};
