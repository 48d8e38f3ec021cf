import type { Command } from 'commander';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import type { EventStore } from '../../store/event-store.js';
import { verifyChain, type ChainReport, type RunSeal } from '../../store/verify-chain.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { formatTable } from '../../text/format-table.js';
import { loadKey, verifyNote } from '../../seal/signed-note.js';
import { sealRootProblem } from '../../seal/prove-run.js';
import { readSealFile, readText, type ReadSeal } from './seal-file.js';
import { stdoutReaderGone } from './stdout-reader.js';
import { onInterrupt } from '../on-interrupt.js';
import { startProgress } from '../terminal-progress.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({
  run: z.string().min(1).optional(),
  all: z.boolean().default(false),
  seal: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
});

/** `flightrec verify <run> | --all [--seal file]`: recomputes hash chains; exit 1 when any fails. */
export const verifyCommand: CliCommand = {
  name: 'verify',
  register(program, run) {
    program
      .command('verify')
      .description("recompute runs' hash chains and name the first event that does not match")
      .argument('[run]', 'run id (or the run named by --seal)')
      .option('--all', 'verify every run')
      .option('--seal <file>', 'also check the run against a seal written by `npx flightrec seal`')
      .option('--key <file>', "Ed25519 public key (PEM) that must have signed the seal")
      .action((runId: string | undefined, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          stdoutReaderGone(); // `| head` closing the pipe is not a crash
          const read = o.seal === undefined ? undefined : await readSealFile(o.seal);
          const seal = read?.seal;
          if (o.key !== undefined && read?.note == null) throw new InvalidInputError(`--key checks a signed seal: pass --seal <file> written by \`npx flightrec seal --key\``, { field: '--key', value: o.key });
          const signature = o.key === undefined || read?.note == null ? null : checkSignature(read, await readText(o.key, '--key'), o.key);
          const single = o.run ?? (o.all ? undefined : seal?.run);
          if (o.all && o.run !== undefined) throw new InvalidInputError(`give a run id or --all, not both (got ${JSON.stringify(o.run)} and --all)`, { field: 'run', value: o.run });
          if (!o.all && single === undefined) throw new InvalidInputError('give a run id or --all', { field: 'run', value: null });
          if (seal !== undefined && single !== undefined && seal.run !== single) {
            throw new InvalidInputError(`seal file ${o.seal} is for run ${JSON.stringify(seal.run)}, not ${JSON.stringify(single)}`, { field: '--seal', value: o.seal });
          }
          const reports = await withStore(o.db, async (store) => {
            const rs = await verifyRuns(store, single, seal, o.json);
            // A signed seal also names the Merkle root of its events, and is signed: both are checked.
            if (read?.note != null) {
              for (const [i, r] of rs.entries()) {
                if (r.run !== read.seal.run || !r.ok) continue;
                const problem = (await sealRootProblem(store, read.note)) ?? (signature !== null && signature !== 'ok' ? signature : null);
                if (problem !== null) rs[i] = { ...r, ok: false, first_bad_seq: null, problem };
              }
            }
            return rs;
          });
          // `events` is what the run's head claims; `verified` how many of them checked out before the first failure.
          const signed = signature === 'ok' ? 'signature ok' : read?.note != null ? 'signature not checked (pass --key <public key>)' : null;
          if (o.json) for (const r of reports) printJson({ ...r, events: r.head_seq + 1, verified: r.events, sealed: seal?.run === r.run, ...(seal?.run === r.run && signed !== null ? { signature: signature ?? 'not checked' } : {}) });
          else printReports(reports, seal, signed);
          return reports.every((r) => r.ok) ? EXIT.ok : EXIT.problem;
        }),
      );
  },
};

async function verifyRuns(store: EventStore, single: string | undefined, seal: RunSeal | undefined, json: boolean): Promise<ChainReport[]> {
  const runs = single !== undefined ? [await store.getRun(single)] : await store.listRuns();
  const reports: ChainReport[] = [];
  onInterrupt(() => [`verify stopped after ${reports.length} of ${runs.length} runs; it only reads, so nothing was written`]);
  const bar = startProgress({ label: 'verifying', total: runs.reduce((n, r) => n + r.head_seq + 1, 0), what: 'events', json });
  let done = 0;
  try {
    for (const r of runs) {
      reports.push(await verifyChain(store, r.id, seal?.run === r.id ? seal : undefined, (n) => bar.update(done + n)));
      done += r.head_seq + 1;
      bar.update(done);
    }
  } finally {
    bar.stop();
  }
  return reports;
}

/** 'ok', or why the seal's signature does not hold for this public key. */
function checkSignature(read: ReadSeal, pem: string, file: string): string {
  let key;
  try {
    key = loadKey(pem, 'public', file);
  } catch (e) {
    throw new InvalidInputError(`--key ${file}: ${(e as Error).message}`, { field: '--key', value: file });
  }
  const { verified, failed } = verifyNote(read.note!.note, key);
  if (failed.length > 0) return `the seal's signature by ${failed.join(', ')} does not verify with ${file}: the seal was altered`;
  if (verified.length === 0) return `the seal has no signature by the key in ${file}`;
  return 'ok';
}

function printReports(reports: readonly ChainReport[], seal: RunSeal | undefined, signed: string | null): void {
  if (reports.length === 0) {
    print('no runs to verify');
    return;
  }
  const rows = reports.map((r) => {
    const sealed = seal?.run === r.run ? `, sealed head at ${seal.events} events matches${signed === null ? '' : `, ${signed}`}` : '';
    const unchecked = r.unregistered_types.length === 0 ? '' : ` (payloads of ${r.unregistered_types.join(', ')} not schema-checked: pass --events <module>)`;
    const result = r.ok ? `ok${sealed}${unchecked}` : r.first_bad_seq === null ? `FAILED: ${r.problem}` : `FAILED at seq ${r.first_bad_seq}: ${r.problem}`;
    return [r.run, String(r.head_seq + 1), result];
  });
  for (const line of formatTable(['RUN', 'EVENTS', 'RESULT'], rows, [1])) print(line);
  const failed = reports.filter((r) => !r.ok).length;
  if (reports.length > 1) print(failed === 0 ? `all ${reports.length} chains ok` : `${failed} of ${reports.length} chains FAILED`);
}
