import type { Command } from 'commander';
import { z } from 'zod';
import { FlightrecError, InvalidInputError } from '../../errors/flightrec-error.js';
import { checkProof } from '../../seal/check-proof.js';
import { parseProofFile } from '../../seal/proof-file.js';
import { loadKey } from '../../seal/signed-note.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { readText } from './seal-file.js';

const Options = GlobalOptions.extend({ file: z.string().min(1), key: z.string().min(1) });

/** `flightrec verify-proof <file> --key <public key>`: checks a proof with nothing but the proof and the key (no database). */
export const verifyProofCommand: CliCommand = {
  name: 'verify-proof',
  register(program, run) {
    program
      .command('verify-proof')
      .description('check a proof written by `npx flightrec prove` against the public key alone (no database needed)')
      .argument('<file>', 'proof file')
      .requiredOption('--key <file>', 'Ed25519 public key (PEM) that signed the seal(s)')
      .action((file: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), file });
          const text = await readText(o.file, 'file');
          let key;
          try {
            key = loadKey(await readText(o.key, '--key'), 'public', o.key);
          } catch (e) {
            if (e instanceof FlightrecError) throw new InvalidInputError(`--key ${o.key}: ${e.message}`, { field: '--key', value: o.key });
            throw e;
          }
          let proof;
          try {
            proof = parseProofFile(text);
          } catch (e) {
            if (e instanceof FlightrecError) throw new FlightrecError(e.code, `proof ${o.file}: ${e.message}`, { ...e.details, file: o.file });
            throw e;
          }
          const r = checkProof(proof, key);
          if (o.json) printJson({ file: o.file, ...r });
          else if (r.ok && r.kind === 'inclusion') print(`ok: event seq ${r.seq} (${r.type}) is in run ${r.run} as sealed at ${r.events[0]} events, signed by ${r.signed_by.join(', ')}`);
          else if (r.ok) print(`ok: run ${r.run} sealed at ${r.events[1]} events extends its seal at ${r.events[0]}, both signed by ${r.signed_by.join(', ')}`);
          else print(`FAILED: ${r.problem}`);
          return r.ok ? EXIT.ok : EXIT.problem;
        }),
      );
  },
};
