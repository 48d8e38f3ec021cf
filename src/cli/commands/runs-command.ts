import { dbShown } from '../db-flag.js';
import type { Command } from 'commander';
import { runLiveness } from '../../store/run-liveness.js';
import { z } from 'zod';
import { readRunOrigin, RunKind } from '../../store/run-origin.js';
import { runView } from '../../store/run-view.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { cell, formatTable } from '../../text/format-table.js';
import { stdoutReaderGone } from './stdout-reader.js';
import { withStore } from './with-store.js';
import { runStats, type RunStats } from '../../store/run-stats.js';
import { formatBytes } from '../../text/format-bytes.js';

/** A run's bytes (payloads and blobs, each blob once) per decision, in all and by event type, largest first; null without decisions. */
interface RunBytes {
  per_decision: number | null;
  by_type: Record<string, number | null>;
  /** For a compacted run, the bytes its segments hold per decision (envelopes and payloads, deflated; blobs apart); null otherwise. */
  compacted_per_decision: number | null;
}

function bytesPerDecision(s: RunStats): RunBytes {
  return { per_decision: s.bytes_per_decision, by_type: Object.fromEntries(s.types.map((t) => [t.type, t.bytes_per_decision])), compacted_per_decision: s.compacted?.bytes_per_decision ?? null };
}

function bytesCells(b: RunBytes): string[] {
  if (b.per_decision === null) return ['-', '-'];
  const largest = Object.entries(b.by_type)
    .slice(0, LARGEST_TYPES)
    .map(([type, n]) => `${type} ${formatBytes(n ?? 0)}`);
  return [formatBytes(b.per_decision) + (b.compacted_per_decision === null ? '' : ` (payloads compacted into ${formatBytes(b.compacted_per_decision)})`), largest.join(', ')];
}

const RunsOptions = GlobalOptions.extend({
  kind: z.string().transform((s) => s.split(',').map((k) => k.trim())).pipe(z.array(z.enum(RunKind.options, { error: `kinds are ${RunKind.options.join(', ')}` }))).optional(),
  source: z.string().min(1).optional(),
  bytes: z.boolean().default(false),
});

/** How many event types `--bytes` names per run in the table (all of them in --json). */
const LARGEST_TYPES = 3;

/** `flightrec runs`: every run in the database, newest first. */
export const runsCommand: CliCommand = {
  name: 'runs',
  register(program, run) {
    program
      .command('runs')
      .description('list the runs in the database, newest first, with their kind (training, open-loop, closed-loop, imported) and what a replay overrode or where an import came from')
      .option('--kind <kind[,kind…]>', `only runs of these kinds: ${RunKind.options.join(', ')}`)
      .option('--source <run>', 'only runs derived from this run')
      .option('--bytes', 'add bytes per decision, in all and for the largest event types (reads every event of each run, as `npx flightrec stats` does)')
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(RunsOptions, cmd.optsWithGlobals());
          stdoutReaderGone(); // `| head` closing the pipe is not a crash
          // A derived run whose writer is gone is listed as interrupted, though nobody could write that down.
          const runs = await withStore(o.db, async (s) => {
            const rows = (await s.listRuns()).filter((r) => o.source === undefined || r.source_run === o.source);
            const out = [];
            for (const r of rows) out.push({ ...runView(r), status: (await runLiveness(s, r)).status, ...(await readRunOrigin(s, r)) });
            const kept = out.filter((r) => o.kind === undefined || o.kind.includes(r.kind));
            if (!o.bytes) return kept as ((typeof kept)[number] & { bytes?: RunBytes })[];
            const withBytes: ((typeof kept)[number] & { bytes?: RunBytes })[] = [];
            for (const r of kept) withBytes.push({ ...r, bytes: bytesPerDecision(await runStats(s, r.id)) });
            return withBytes;
          });
          if (o.json) {
            printJson(runs);
            return EXIT.ok;
          }
          if (runs.length === 0) {
            print(o.kind === undefined && o.source === undefined ? `no runs in ${dbShown(o.db)}` : `no runs in ${dbShown(o.db)} match ${[o.kind && `--kind ${o.kind.join(',')}`, o.source && `--source ${o.source}`].filter(Boolean).join(' ')}`);
            return EXIT.ok;
          }
          const header = ['ID', 'NAME', 'KIND', 'STATUS', 'EVENTS', 'ENV', 'BACKEND', 'CREATED', 'SOURCE_RUN', 'OVERRIDES', ...(o.bytes ? ['BYTES/DECISION', 'LARGEST TYPES (PER DECISION)'] : [])];
          const rows = runs.map((r) => [
            r.id,
            cell(r.name),
            r.kind,
            r.status,
            String(r.events),
            cell(r.env),
            cell(r.backend),
            r.created,
            cell(r.source_run),
            cell(r.overrides.join(' ')),
            ...(r.bytes === undefined ? [] : bytesCells(r.bytes)),
          ]);
          for (const line of formatTable(header, rows, o.bytes ? [4, 10] : [4])) print(line);
          return EXIT.ok;
        }),
      );
  },
};
