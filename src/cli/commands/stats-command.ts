import type { Command } from 'commander';
import { z } from 'zod';
import { runStats, type RunStats } from '../../store/run-stats.js';
import { formatBytes as bytes } from '../../text/format-bytes.js';
import { formatTable } from '../../text/format-table.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({ run: z.string().min(1) });

/** `flightrec stats <run>`: where a run's bytes go, by event type, per decision. */
export const statsCommand: CliCommand = {
  name: 'stats',
  register(program, run) {
    program
      .command('stats')
      .description("a run's bytes by event type: payloads, blobs (each counted once), bytes per decision")
      .argument('<run>', 'run id')
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          const stats = await withStore(o.db, (store) => runStats(store, o.run));
          if (o.json) printJson(stats);
          else for (const line of formatStats(stats)) print(line);
          return EXIT.ok;
        }),
      );
  },
};

function formatStats(s: RunStats): string[] {
  const perDecision = (n: number | null) => (n === null ? '-' : bytes(n));
  const rows = s.types.map((t) => [t.type, String(t.events), bytes(t.payload_bytes), String(t.blob_refs), bytes(t.blob_bytes), perDecision(t.bytes_per_decision)]);
  rows.push(['total', String(s.events), bytes(s.payload_bytes), String(s.types.reduce((n, t) => n + t.blob_refs, 0)), bytes(s.blob_bytes), perDecision(s.bytes_per_decision)]);
  return [
    `run ${s.run}: ${s.events} events, ${s.decisions} decisions, ${bytes(s.payload_bytes + s.blob_bytes)} (${s.blobs} distinct blobs)`,
    '',
    ...formatTable(['TYPE', 'EVENTS', 'PAYLOADS', 'BLOB REFS', 'BLOBS (first use)', 'PER DECISION'], rows, [1, 2, 3, 4, 5]),
    '',
    'bytes are encoded payloads and blob contents; indexes and row overhead are not counted',
    ...(s.compacted === null ? [] : [`compacted: the payloads are stored in ${s.compacted.segments} deflated segments of ${bytes(s.compacted.bytes)} with their envelopes (${perDecision(s.compacted.bytes_per_decision)} per decision, blobs apart)`]),
  ];
}
