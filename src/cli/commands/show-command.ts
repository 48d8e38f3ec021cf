import type { Command } from 'commander';
import { z } from 'zod';
import { showDecision } from '../../show/show-decision.js';
import { formatDecisionShow } from '../../show/show-format.js';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { toJsonView } from '../../show/to-json-view.js';
import { warnIfIncomplete } from './warn-incomplete.js';
import { withStore } from './with-store.js';

const Options = GlobalOptions.extend({
  run: z.string().min(1),
  children: IntOption('children').refine((n) => n > 0, 'children must be 1 or more').default(5),
  maxNodes: IntOption('max-nodes').refine((n) => n > 0, 'max-nodes must be 1 or more').default(100),
});

/** `flightrec show <run> <decision>`: the whole deliberation of one decision, for people or (--json) as one object. */
export const showCommand: CliCommand = {
  name: 'show',
  register(program, run) {
    program
      .command('show')
      .description('show one decision: where, the planner search tree, component calls, the actor, the choice and its outcome')
      .argument('<run>', 'run id')
      .argument('<decision>', 'decision id')
      .option('--children <n>', 'search tree: children shown per node, best score first', '5')
      .option('--max-nodes <n>', 'search tree: nodes shown in all (the chosen path always is)', '100')
      .action((runId: string, decisionText: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          const decision = parseDecision(decisionText);
          return await withStore(o.db, async (store) => {
            const shown = await showDecision(store, o.run, decision);
            await warnIfIncomplete(store, o.run);
            if (o.json) printJson(toJsonView(shown));
            else for (const line of formatDecisionShow(shown, { childrenPerNode: o.children, maxNodes: o.maxNodes })) print(line);
            return EXIT.ok;
          });
        }),
      );
  },
};

function parseDecision(text: string): number {
  if (/^\s*\d+\s*$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new InvalidInputError(`invalid decision ${JSON.stringify(text)}: a decision id is an integer, 0 or more`, { field: 'decision', value: text });
}
