import { dbFlag, dbShown, passwordNote } from '../db-flag.js';
import type { Command } from 'commander';
import { z } from 'zod';
import type { EpisodeSummary } from '../../harness/episode-loop.js';
import { PlannerKind } from '../../agent/reference/agent-config.js';
import { EnvironmentId } from '../../envs/registry.js';
import { newRunId } from '../../record/recorder.js';
import { interruptedRunReport } from '../interrupted-run-report.js';
import { onInterrupt } from '../on-interrupt.js';
import { startProgress } from '../terminal-progress.js';
import { statSync } from 'node:fs';
import { compactRun } from '../../store/compact-run.js';
import { isPostgresUrl } from '../../store/postgres/pg-types.js';
import { withStore } from './with-store.js';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';

const DEFAULT_EPISODES = { gridworld: 150, cartpole: 60, pendulum: 15 } as const;

const DemoOptions = GlobalOptions.extend({
  env: EnvironmentId.default('gridworld'),
  episodes: IntOption('--episodes').pipe(z.int().min(1).max(100000)).optional(),
  seed: IntOption('--seed').pipe(z.int().min(0).max(2 ** 32 - 1)).default(1),
  planner: PlannerKind.optional(),
  compact: z.boolean().default(true),
});

/** Mean of the last tenth of episodes (at least one): "where training ended", less noisy than the last episode alone. */
function finalMean(summaries: EpisodeSummary[], pick: (e: EpisodeSummary) => number | null): number | null {
  const tail = summaries.slice(-Math.max(1, Math.floor(summaries.length / 10)));
  const values = tail.map(pick).filter((v): v is number => v !== null);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** `flightrec demo`: trains the reference model-based agent and records every deliberation. */
export const demoCommand: CliCommand = {
  name: 'demo',
  register(program, run) {
    program
      .command('demo')
      .description('train the reference model-based agent on a built-in environment and record everything')
      .option('--env <id>', 'environment: gridworld (reward hacking), cartpole or pendulum (continuous, MPPI)', 'gridworld')
      .option('--episodes <n>', `episodes to train (default: gridworld ${DEFAULT_EPISODES.gridworld}, cartpole ${DEFAULT_EPISODES.cartpole}, pendulum ${DEFAULT_EPISODES.pendulum})`)
      .option('--seed <n>', 'seed of every random draw', '1')
      .option('--planner <kind>', 'beam or mcts on the discrete environments (default beam), mppi on the pendulum (its default)')
      .option('--no-compact', 'keep the run one row per event instead of compacting it once recorded (SQLite)')
      .action((_opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(DemoOptions, cmd.optsWithGlobals());
          const episodes = o.episodes ?? DEFAULT_EPISODES[o.env];
          const runId = newRunId();
          const withdraw = onInterrupt(interruptedRunReport({ db: o.db, run: runId }));
          const bar = process.stderr.isTTY ? startProgress({ label: 'training', total: episodes, what: 'episodes', extra: ' | return {ret}', payload: { ret: '-' } }) : null;
          // Loaded on use: TensorFlow.js takes longer to import than most commands take to run.
          const { recordReferenceTraining } = await import('../../harness/reference-training.js');
          let result;
          try {
            result = await recordReferenceTraining({
              db: o.db,
              runId,
              env: o.env,
              episodes,
              seed: o.seed,
              ...(o.planner === undefined ? {} : { planner: o.planner }),
              onEpisode: (e) => {
                bar?.update(e.episode + 1, { ret: e.return.toFixed(2) });
                if (bar === null && !o.json && (e.episode + 1) % Math.max(1, Math.floor(episodes / 10)) === 0) {
                  process.stderr.write(`episode ${e.episode + 1}/${episodes}: return ${e.return.toFixed(2)}\n`);
                }
              },
            });
          } finally {
            bar?.stop();
            withdraw();
          }
          // Compacted once recorded, as `flightrec compact` would: the demo's file is what a newcomer measures.
          // Without compaction the open still matters: its close checkpoints the WAL, so the file's size is the database's.
          const compacted = isPostgresUrl(o.db) ? null : await withStore(o.db, async (store) => (o.compact ? await compactRun(store, result.run) : null), { mustExist: true });
          const fileBytes = isPostgresUrl(o.db) ? null : statSync(o.db).size;
          const summary = {
            run: result.run,
            db: o.db,
            env: result.env,
            backend: result.backend,
            episodes: result.episodes,
            decisions: result.decisions,
            events: result.events,
            final_reward_return: finalMean(result.summaries, (e) => e.return),
            final_performance_return: finalMean(result.summaries, (e) => e.performanceReturn),
            compacted_segments: compacted?.segments ?? null,
            file_bytes: fileBytes,
          };
          if (o.json) {
            printJson(summary);
            return EXIT.ok;
          }
          const fmt = (v: number | null) => (v === null ? 'n/a (this env has no hidden performance signal)' : v.toFixed(2));
          const db = dbFlag(o.db);
          print(`recorded run ${summary.run} into ${dbShown(o.db)}`);
          print(`  env ${summary.env}, backend ${summary.backend}`);
          print(`  ${summary.episodes} episodes, ${summary.decisions} decisions, ${summary.events} events`);
          if (fileBytes !== null) print(`  ${compacted === null ? 'stored' : `compacted into ${compacted.segments} segments`}: the file holds ${(fileBytes / 1e6).toFixed(1)} MB, ${Math.round(fileBytes / Math.max(1, summary.decisions)).toLocaleString('en-US')} bytes per decision`);
          print(`  final reward return      ${fmt(summary.final_reward_return)}   (mean of the last tenth of episodes)`);
          print(`  final performance return ${fmt(summary.final_performance_return)}`);
          print('');
          print('next:');
          const last = Math.max(0, summary.decisions - 1);
          const next: [string, string][] = [
            [`npx flightrec show ${summary.run} ${last}${db}`, 'the last decision, whole'],
            [`npx flightrec audit ${summary.run}${db}`, 'critic, actor, world model, reward'],
            [`npx flightrec replay ${summary.run} --verify${db}`, 'reproduce every decision exactly'],
            summary.env === 'gridworld'
              ? [`npx flightrec replay ${summary.run} --swap reward=module:examples/goal-reward.mjs${db}`, 'what the designer’s reward would have chosen']
              : [`npx flightrec replay ${summary.run} --swap critic=@latest${db}`, 're-decide with the final critic'],
            [`npx flightrec verify ${summary.run}${db}`, 'recompute the hash chain'],
          ];
          const width = Math.max(...next.map(([c]) => c.length));
          for (const [command, what] of next) print(`  ${command.padEnd(width)}  # ${what}`);
          const note = passwordNote(o.db);
          if (note !== null) print(`  (${note})`);
          return EXIT.ok;
        }),
      );
  },
};
