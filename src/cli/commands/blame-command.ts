import type { Command } from 'commander';
import { z } from 'zod';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { actionLabel, actionNamesOf } from '../../show/action-names.js';
import { withStore } from './with-store.js';

const BlameOptions = GlobalOptions.extend({
  decision: IntOption('<decision>').pipe(z.int().nonnegative()),
  against: z.array(z.string(), { error: 'blame compares the recorded components with another set: give --against <role>=<spec>[,<role>=<spec>…], e.g. --against critic=@latest,world_model=@latest' }).min(1),
  agent: z.string().min(1).optional(),
});

/** `flightrec blame`: which swapped components flip a decision's action. */
export const blameCommand: CliCommand = {
  name: 'blame',
  register(program, run) {
    program
      .command('blame')
      .description('for a decision that another component set decides differently, find which swaps (alone or in pairs) flip the action')
      .argument('<run>', 'run id')
      .argument('<decision>', 'decision id')
      .option('--against <role=spec[,role=spec…]>', 'the other component set, e.g. critic=@latest,world_model=@latest (repeatable)', (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)])
      .option('--agent <factory>', "the agent factory to rebuild the run's agent with, instead of the one it recorded")
      .action((runId: string, decision: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(BlameOptions, { ...cmd.optsWithGlobals(), decision });
          const { parseSwap } = await import('../../../replay/component-spec.js');
          const specs = o.against.map(parseSwap);
          const { blame } = await import('../../../replay/blame.js');
          let names: readonly string[] | null = null;
          const r = await withStore(o.db, async (store) => {
            names = actionNamesOf((await store.getRun(runId)).env);
            return await blame(store, runId, o.decision, specs, o.agent === undefined ? {} : { agent: o.agent });
          });
          const act = (a: unknown) => actionLabel(a, names);
          if (o.json) {
            printJson(r);
            return EXIT.ok;
          }
          print(`decision ${r.decision} of ${r.run} (episode ${r.episode}, step ${r.step}): recorded action ${act(r.recorded_action)}, re-run as recorded ${act(r.baseline_action)}, with --against ${act(r.against_action)}`);
          if (!r.differs) print('the --against set chooses the same action; nothing to blame (trials below for completeness)');
          const line = (t: { swapped: string[]; action: number | number[]; value: number | null; flipped: boolean }) =>
            `  swap ${t.swapped.join(' + ').padEnd(24)} → action ${act(t.action)}${t.flipped ? ' (flips)' : ''}, value ${t.value === null ? 'n/a' : t.value.toFixed(4)}`;
          for (const t of r.singles) print(line(t));
          for (const t of r.pairs) print(line(t));
          print(r.culprits.length === 0 ? 'no single swap or pair flips the action' : `flipped by: ${r.culprits.map((c) => c.join(' + ')).join('; ')}`);
          return EXIT.ok;
        }),
      );
  },
};
