import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { proveConsistency, proveInclusion } from '../../seal/prove-run.js';
import type { SealNote } from '../../seal/proof-file.js';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { readSealFile } from './seal-file.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({
  run: z.string().min(1),
  seq: IntOption('seq').pipe(z.int().nonnegative()).optional(),
  seal: z.string().min(1),
  from: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
});

async function signedSeal(file: string, flag: string, run: string): Promise<SealNote> {
  const { note, seal } = await readSealFile(file, flag);
  if (note === null) throw new InvalidInputError(`${flag} ${file} is an unsigned seal; proofs are relative to a signed one (\`npx flightrec seal ${run} --key <private key>\`)`, { field: flag, value: file });
  if (seal.run !== run) throw new InvalidInputError(`${flag} ${file} is a seal of run ${JSON.stringify(seal.run)}, not ${JSON.stringify(run)}`, { field: flag, value: file });
  return note;
}

/** `flightrec prove <run> <seq> --seal s` (inclusion) or `flightrec prove <run> --from old --seal new` (consistency). */
export const proveCommand: CliCommand = {
  name: 'prove',
  register(program, run) {
    program
      .command('prove')
      .description('write a proof that event <seq> is in a sealed run, or (--from) that a later seal extends an earlier one; check it with `npx flightrec verify-proof`')
      .argument('<run>', 'run id')
      .argument('[seq]', 'the event to prove (inclusion proof)')
      .requiredOption('--seal <file>', 'the signed seal the proof is relative to (for --from: the later one)')
      .option('--from <file>', 'an earlier signed seal of the run: prove that --seal extends it')
      .option('--out <file>', 'where to write the proof (default <run>-<seq>.proof or <run>-<from>-<to>.proof)')
      .action((runId: string, seq: string | undefined, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId, seq });
          if ((o.seq === undefined) === (o.from === undefined)) throw new InvalidInputError('give either <seq> (inclusion proof) or --from <earlier seal> (consistency proof)', { field: o.seq === undefined ? 'seq' : '--from', value: seq ?? null });
          const seal = await signedSeal(o.seal, '--seal', o.run);
          const older = o.from === undefined ? undefined : await signedSeal(o.from, '--from', o.run);
          const proof = await withStore(o.db, (store) => (older === undefined ? proveInclusion(store, seal, o.seq!) : proveConsistency(store, older, seal)));
          const file = o.out ?? (older === undefined ? `${o.run}-${o.seq}.proof` : `${o.run}-${older.checkpoint.events}-${seal.checkpoint.events}.proof`);
          try {
            await writeFile(file, proof);
          } catch (e) {
            throw new InvalidInputError(`cannot write the proof to ${file}: ${(e as Error).message}`, { field: '--out', value: file });
          }
          const what = older === undefined ? `event seq ${o.seq} is in the sealed run ${o.run} (${seal.checkpoint.events} events)` : `the seal of ${seal.checkpoint.events} events extends the seal of ${older.checkpoint.events}`;
          if (o.json) printJson({ run: o.run, kind: older === undefined ? 'inclusion' : 'consistency', file, ...(older === undefined ? { seq: o.seq } : { from: older.checkpoint.events }), events: seal.checkpoint.events });
          else print(`proof that ${what} → ${file}`);
          return EXIT.ok;
        }),
      );
  },
};
