import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { withStore } from './with-store.js';

const CheckpointOptions = GlobalOptions.extend({
  at: z.string().min(1).default('latest'),
  out: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
});

/** `flightrec checkpoint`: writes a component's parameters at any recorded version to a file (for `--swap role=file:<path>`). */
export const checkpointCommand: CliCommand = {
  name: 'checkpoint',
  register(program, run) {
    program
      .command('checkpoint')
      .description('rebuild a component at a recorded version (nearest checkpoint + recorded updates) and write it to a file')
      .argument('<run>', 'run id')
      .argument('<role>', 'world_model, reward, critic or actor')
      .option('--at <version>', 'a version recorded in the run, or latest', 'latest')
      .option('--out <file>', 'output file (default: <run>.<role>.<version>.frck)')
      .option('--agent <factory>', "the agent factory to rebuild the run's agent with, instead of the one it recorded")
      .action((runId: string, role: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(CheckpointOptions, cmd.optsWithGlobals());
          const { parseSwap } = await import('../../../replay/component-spec.js');
          const { resolveSwap } = await import('../../../replay/resolve-swap.js');
          const { loadRunContext } = await import('../../../replay/run-context.js');
          const { checkpointCodec } = await import('../../agent/nn/checkpoint-codec.js');
          const { isCheckpointable } = await import('../../agent/trainable.js');
          const roles = ['world_model', 'reward', 'critic', 'actor'];
          if (!roles.includes(role)) throw new InvalidInputError(`invalid <role> ${JSON.stringify(role)}: components with parameters have roles ${roles.join(', ')}`, { field: '<role>', value: role });
          const spec = parseSwap(`${role}=@${o.at}`);
          const result = await withStore(o.db, async (store) => {
            const ctx = await loadRunContext(store, runId, o.agent === undefined ? {} : { agent: o.agent });
            const swap = await resolveSwap(store, ctx, spec);
            try {
              const c = swap.component;
              if (!isCheckpointable(c)) throw new InvalidInputError(`the ${spec.role} of run ${runId}, ${c.name} (${c.kind}), is not Checkpointable: it has no parameters to write`, { field: '<role>', value: role });
              const version = c.version();
              const file = o.out ?? `${runId}.${spec.role}.${version}.frck`;
              writeFileSync(file, checkpointCodec.encode(c.saveCheckpoint()));
              return { run: runId, role: spec.role, version, file };
            } finally {
              swap.dispose();
            }
          });
          if (o.json) printJson(result);
          else print(`wrote ${result.role} of run ${result.run} at version ${result.version} to ${result.file}\nuse it with: npx flightrec replay <run> --swap ${result.role}=file:${result.file}`);
          return EXIT.ok;
        }),
      );
  },
};
