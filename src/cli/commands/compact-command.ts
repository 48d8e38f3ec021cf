import type { Command } from 'commander';
import { z } from 'zod';
import { compactRun, requireCompactable, type CompactResult } from '../../store/compact-run.js';
import { runLiveness } from '../../store/run-liveness.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({ runs: z.array(z.string().min(1)) });

/** `flightrec compact [runs...]`: moves ended runs' events into deflated segments (every ended run when none is named). */
export const compactCommand: CliCommand = {
  name: 'compact',
  register(program, run) {
    program
      .command('compact')
      .description("store ended runs' events as compressed segments, checking each event's hash first (every ended run when none is named); they read, verify, diff and replay as before")
      .argument('[runs...]', 'run ids (default: every run that has ended and is not compacted)')
      .action((runIds: string[], _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), runs: runIds });
          const results = await withStore(
            o.db,
            async (store) => {
              // Refused up front: a store without runs to compact is still the wrong kind of store.
              requireCompactable(store, 'compact', '--db');
              let ids = o.runs;
              if (ids.length === 0) {
                ids = [];
                for (const r of await store.listRuns()) if (r.head_seq >= 0 && !store.segments?.has(r.pk) && (await runLiveness(store, r)).status !== 'recording') ids.push(r.id);
              }
              const out: CompactResult[] = [];
              for (const id of ids) out.push(await compactRun(store, id));
              return out;
            },
            { mustExist: true },
          );
          if (o.json) for (const r of results) printJson(r);
          else if (results.length === 0) print('nothing to compact: every ended run is compacted already');
          for (const r of o.json ? [] : results) {
            if (r.already) print(`run ${r.run}: compacted already (${r.segments} segments)`);
            else print(`run ${r.run}: ${r.events} events into ${r.segments} segments, ${kb(r.row_bytes)} of payloads and hashes → ${kb(r.segment_bytes)}; ${kb(r.freed_file_bytes)} returned to the filesystem`);
          }
          return EXIT.ok;
        }),
      );
  },
};

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}
