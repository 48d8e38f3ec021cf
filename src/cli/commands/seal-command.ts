import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { FlightrecError, InvalidInputError } from '../../errors/flightrec-error.js';
import { checkpointRun } from '../../seal/prove-run.js';
import { loadKey, signNote } from '../../seal/signed-note.js';
import { verifyChain, type RunSeal } from '../../store/verify-chain.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { defaultSealPath, readText } from './seal-file.js';
import { onInterrupt } from '../on-interrupt.js';
import { startProgress } from '../terminal-progress.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({
  run: z.string().min(1),
  out: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  keyName: z.string().regex(/^[^\s+]+$/u, 'a key name has no spaces and no +').default('flightrec'),
});

/** `flightrec seal <run>`: writes the run's current head to a file meant to be kept elsewhere; signed with --key. */
export const sealCommand: CliCommand = {
  name: 'seal',
  register(program, run) {
    program
      .command('seal')
      .description("write a run's head to a file to keep elsewhere (with --key: a signed checkpoint of its Merkle tree); check with `verify --seal`")
      .argument('<run>', 'run id')
      .option('--key <file>', 'Ed25519 private key (PEM, PKCS#8) to sign the seal with')
      .option('--key-name <name>', 'the name the signature line gives the key', 'flightrec')
      .option('--out <file>', 'where to write the seal (default <run>.seal with --key, <run>.seal.json without)')
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          const key = o.key === undefined ? undefined : loadKeyFile(await readText(o.key, '--key'), o.key);
          const file = o.out ?? defaultSealPath(o.run, key !== undefined);
          let text: string;
          let seal: RunSeal & { root?: string; signed_by?: string };
          if (key !== undefined) {
            const { checkpoint, text: body } = await withStore(o.db, (store) => checkpointRun(store, o.run));
            text = signNote(body, o.keyName, key);
            seal = { run: checkpoint.run, events: checkpoint.events, head_hash: checkpoint.head_hash, root: Buffer.from(checkpoint.root).toString('base64'), signed_by: o.keyName };
          } else {
            // Sealing an already altered chain would vouch for it, so the chain is verified first.
            onInterrupt(() => [`seal stopped before writing ${file}: nothing was written`]);
            const report = await withStore(o.db, async (store) => {
              const bar = startProgress({ label: 'verifying', total: (await store.getRun(o.run)).head_seq + 1, what: 'events', json: o.json });
              try {
                return await verifyChain(store, o.run, undefined, (n) => bar.update(n));
              } finally {
                bar.stop();
              }
            });
            if (!report.ok) {
              throw new FlightrecError('CHAIN_BROKEN', `run ${o.run} does not verify (first bad seq ${report.first_bad_seq}: ${report.problem}); not sealing it`, { run: o.run, hint: `see \`npx flightrec verify ${o.run}\`` });
            }
            seal = { run: o.run, events: report.events, head_hash: report.head_hash ?? '0'.repeat(64) };
            text = `${JSON.stringify(seal, null, 2)}\n`;
          }
          try {
            await writeFile(file, text);
          } catch (e) {
            throw new InvalidInputError(`cannot write the seal to ${file}: ${(e as Error).message}`, { field: '--out', value: file });
          }
          if (o.json) printJson({ ...seal, file });
          else print(`sealed run ${seal.run}: ${seal.events} events, head ${seal.head_hash}${seal.signed_by === undefined ? '' : `, signed by ${seal.signed_by}`} → ${file}`);
          return EXIT.ok;
        }),
      );
  },
};

function loadKeyFile(pem: string, file: string) {
  try {
    return loadKey(pem, 'private', file);
  } catch (e) {
    if (e instanceof FlightrecError) throw new InvalidInputError(`--key ${file}: ${e.message}`, { field: '--key', value: file });
    throw e;
  }
}
