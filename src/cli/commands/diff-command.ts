import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { diffReportJson } from '../../diff/diff-report-json.js';
import { diffRuns } from '../../diff/diff-runs.js';
import { formatDiffReport } from '../../diff/format-diff-report.js';
import { renderDiffHtml } from '../../diff/render-diff-html.js';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { actionNamesOf } from '../../show/action-names.js';
import type { EventStore } from '../../store/event-store.js';
import { openStore } from '../../store/open-store.js';
import { warnIfIncomplete } from './warn-incomplete.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';

const Options = GlobalOptions.extend({
  runA: z.string().min(1),
  runB: z.string().min(1),
  html: z.string().min(1).optional(),
});

/** A run argument: `<run>` (in --db) or `<path.db>:<run>` (run ids never contain a colon). */
function parseRunArgument(arg: string, db: string): { db: string; run: string } {
  const colon = arg.lastIndexOf(':');
  if (colon < 0) return { db, run: arg };
  const path = arg.slice(0, colon);
  const run = arg.slice(colon + 1);
  if (path === '' || run === '') throw new InvalidInputError(`invalid run ${JSON.stringify(arg)}: use <run> or <path.db>:<run>`, { field: 'run', value: arg });
  return { db: path, run };
}

/** `flightrec diff <runA> <runB>`: where two runs first diverge and by how much; exit 1 when they differ. */
export const diffCommand: CliCommand = {
  name: 'diff',
  register(program, run) {
    program
      .command('diff')
      .description('align two runs by (episode, step), name their first divergence and measure how far each component moved (exit 1 when they differ)')
      .argument('<runA>', 'run id in --db, or <path.db>:<run>')
      .argument('<runB>', 'run id in --db, or <path.db>:<run> (e.g. a replay recorded in another database)')
      .option('--html <file>', 'also write a self-contained HTML page with per-step delta charts')
      .action((runA: string, runB: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), runA, runB });
          const a = parseRunArgument(o.runA, o.db);
          const b = parseRunArgument(o.runB, o.db);
          const storeA = await openStore(a.db, { readonly: true });
          let report;
          let actionNames: readonly string[] | null = null;
          try {
            actionNames = actionNamesOf((await storeA.getRun(a.run)).env);
            const storeB = b.db === a.db ? storeA : await openStore(b.db, { readonly: true });
            try {
              report = await diffRuns({ store: storeA, run: a.run }, { store: storeB, run: b.run });
              await warnIfIncomplete(storeA, a.run);
              await warnIfIncomplete(storeB, b.run);
            } finally {
              if (storeB !== storeA) await storeB.close();
            }
          } finally {
            await storeA.close();
          }
          if (o.html !== undefined) await writeFile(o.html, renderDiffHtml(report, { actionNames }));
          if (o.json) printJson(diffReportJson(report));
          else {
            for (const line of formatDiffReport(report, { actionNames })) print(line);
            if (o.html !== undefined) print(`\nwrote ${o.html}`);
          }
          return report.identical ? EXIT.ok : EXIT.problem;
        }),
      );
  },
};
