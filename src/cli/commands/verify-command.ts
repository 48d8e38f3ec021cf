import type { Command } from 'commander';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import type { SqliteEventStore } from '../../store/sqlite-event-store.js';
import { verifyChain, type ChainReport, type RunSeal } from '../../store/verify-chain.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { formatTable } from './format-table.js';
import { readSealFile } from './seal-file.js';
import { stdoutReaderGone } from './stdout-reader.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({
  run: z.string().min(1).optional(),
  all: z.boolean().default(false),
  seal: z.string().min(1).optional(),
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
      .option('--seal <file>', 'also check the run against a seal written by `flightrec seal`')
      .action((runId: string | undefined, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          stdoutReaderGone(); // `| head` closing the pipe is not a crash
          const seal = o.seal === undefined ? undefined : await readSealFile(o.seal);
          const single = o.run ?? (o.all ? undefined : seal?.run);
          if (o.all && o.run !== undefined) throw new InvalidInputError(`give a run id or --all, not both (got ${JSON.stringify(o.run)} and --all)`, { field: 'run', value: o.run });
          if (!o.all && single === undefined) throw new InvalidInputError('give a run id or --all', { field: 'run', value: null });
          if (seal !== undefined && single !== undefined && seal.run !== single) {
            throw new InvalidInputError(`seal file ${o.seal} is for run ${JSON.stringify(seal.run)}, not ${JSON.stringify(single)}`, { field: '--seal', value: o.seal });
          }
          const reports = await withStore(o.db, (store) => verifyRuns(store, single, seal));
          // `events` is what the run's head claims; `verified` how many of them checked out before the first failure.
          if (o.json) for (const r of reports) printJson({ ...r, events: r.head_seq + 1, verified: r.events, sealed: seal?.run === r.run });
          else printReports(reports, seal);
          return reports.every((r) => r.ok) ? EXIT.ok : EXIT.problem;
        }),
      );
  },
};

async function verifyRuns(store: SqliteEventStore, single: string | undefined, seal: RunSeal | undefined): Promise<ChainReport[]> {
  const ids = single !== undefined ? [single] : (await store.listRuns()).map((r) => r.id);
  const reports: ChainReport[] = [];
  for (const id of ids) reports.push(await verifyChain(store, id, seal?.run === id ? seal : undefined));
  return reports;
}

function printReports(reports: readonly ChainReport[], seal: RunSeal | undefined): void {
  if (reports.length === 0) {
    print('no runs to verify');
    return;
  }
  const rows = reports.map((r) => {
    const sealed = seal?.run === r.run ? `, sealed head at ${seal.events} events matches` : '';
    const result = r.ok ? `ok${sealed}` : `FAILED at seq ${r.first_bad_seq}: ${r.problem}`;
    return [r.run, String(r.head_seq + 1), result];
  });
  for (const line of formatTable(['RUN', 'EVENTS', 'RESULT'], rows, [1])) print(line);
  const failed = reports.filter((r) => !r.ok).length;
  if (reports.length > 1) print(failed === 0 ? `all ${reports.length} chains ok` : `${failed} of ${reports.length} chains FAILED`);
}
