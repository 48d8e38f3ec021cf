import { dbFlag, passwordNote } from '../db-flag.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { actionLabel, actionNamesOf } from '../../show/action-names.js';
import { newRunId } from '../../record/recorder.js';
import { interruptedRunReport } from '../interrupted-run-report.js';
import { onInterrupt } from '../on-interrupt.js';
import { startProgress } from '../terminal-progress.js';
import { withStore } from './with-store.js';

const EpisodeRange = z.string().transform((s, ctx) => {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(s.trim());
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: 'expected A..B (or A), e.g. 10..20' });
    return z.NEVER;
  }
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (to < from) {
    ctx.addIssue({ code: 'custom', message: `the range ends (${to}) before it starts (${from})` });
    return z.NEVER;
  }
  return { from, to };
});

const ReplayOptions = GlobalOptions.extend({
  verify: z.boolean().default(false),
  swap: z.array(z.string()).default([]),
  set: z.array(z.string()).default([]),
  episodes: EpisodeRange.optional(),
  closedLoop: z.boolean().default(false),
  compact: z.boolean().default(false),
  from: IntOption('--from').pipe(z.int().nonnegative()).optional(),
  steps: IntOption('--steps').pipe(z.int().positive()).optional(),
  agent: z.string().min(1).optional(),
});

const collect = (v: string, prev: string[] = []) => [...prev, v];


/** `flightrec replay`: reproduce a run exactly, or re-evaluate it with components swapped. */
export const replayCommand: CliCommand = {
  name: 'replay',
  register(program, run) {
    program
      .command('replay')
      .description('re-run recorded decisions: --verify reproduces them exactly; --swap/--set re-decides with other components or planner settings (a new derived run)')
      .argument('<run>', 'run id')
      .option('--verify', 're-run every decision with its recorded versions and random state and compare with the log')
      .option('--swap <role=spec>', 'swap a component: critic=<run>@<version> | critic=@latest | critic=file:<checkpoint> | reward=module:<path> | critic=python:<module>:<function> (repeatable)', collect)
      .option('--set <component.setting=value>', 'override a planner setting, e.g. planner.horizon=3 (repeatable)', collect)
      .option('--episodes <A..B>', 'only decisions of these episodes')
      .option('--closed-loop', 'continue the environment from --from <decision> with the modified agent')
      .option('--compact', 'compact the derived run once written, as `npx flightrec compact` does (SQLite)')
      .option('--from <decision>', 'decision to continue from (with --closed-loop)')
      .option('--steps <n>', 'with --closed-loop, stop after n steps (default: the end of the episode)')
      .option('--agent <factory>', "the agent factory to rebuild the run's agent with, instead of the one it recorded: module:<path>, python:<module>:<function> or flightrec/reference")
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(ReplayOptions, cmd.optsWithGlobals());
          const { parseSettings, parseSwap } = await import('../../../replay/component-spec.js');
          const swaps = o.swap.map(parseSwap);
          const settings = parseSettings(o.set);
          if (o.verify && (swaps.length > 0 || o.set.length > 0 || o.closedLoop)) throw new InvalidInputError('--verify reproduces the run as recorded; it cannot be combined with --swap, --set or --closed-loop', { field: '--verify' });
          if (o.compact && o.verify) throw new InvalidInputError('--compact compacts the derived run a counterfactual writes; --verify writes none', { field: '--compact', value: true });
          if (o.closedLoop !== (o.from !== undefined)) throw new InvalidInputError('--closed-loop and --from <decision> go together', { field: o.closedLoop ? '--from' : '--closed-loop' });
          const agentOption = o.agent === undefined ? {} : { agent: o.agent };
          // --verify only reads; the counterfactuals record a derived run.
          return await withStore(o.db, async (store) => {
            // Refused before the replay runs, not after it wrote the derived run.
            const compaction = o.compact ? await import('../../store/compact-run.js') : null;
            compaction?.requireCompactable(store, '--compact', '--compact');
            /** The derived run compacted when asked: its segments, for the report. */
            const compactDerived = async (run: string): Promise<{ segments: number; segment_bytes: number } | null> => {
              if (compaction === null) return null;
              const c = await compaction.compactRun(store, run);
              return { segments: c.segments, segment_bytes: c.segment_bytes };
            };
            const names = actionNamesOf((await store.getRun(runId)).env);
            const act = (a: unknown) => actionLabel(a, names);
            const { decisionsInRange } = await import('../../../replay/decisions-in-range.js');
            if (o.verify) {
              const { verifyReplay } = await import('../../../replay/verify-replay.js');
              const total = await decisionsInRange(store, runId, o.episodes);
              let n = 0;
              onInterrupt(() => [`replay --verify of run ${runId} stopped after ${n} of ${total} decisions; it only reads, so nothing was written`]);
              const bar = startProgress({ label: 'verifying', total, what: 'decisions', json: o.json });
              let r;
              try {
                r = await verifyReplay(store, runId, { ...agentOption, ...(o.episodes ? { episodes: o.episodes } : {}), onDecision: () => bar.update(++n) });
              } finally {
                bar.stop();
              }
              if (o.json) {
                printJson({ run: r.run, backend: r.backend, problems: r.problems.slice(0, 20) });
                printJson({ decisions: r.decisions, reproduced: r.reproduced, diverged: r.diverged, errors: r.errors });
              } else {
                const pct = r.decisions === 0 ? 0 : (100 * r.reproduced) / r.decisions;
                print(`run ${r.run}: reproduced ${r.reproduced} of ${r.decisions} decisions (${pct.toFixed(1)}%), ${r.diverged} diverged, ${r.errors} errors`);
                print(`backend: recorded on ${r.backend.recorded ?? 'unknown'}, replayed on ${r.backend.current}${r.backend.same ? '' : ' — exact reproduction is only promised on the same backend'}`);
                for (const p of r.problems.slice(0, 10)) {
                  if (p.status === 'diverged') print(`  decision ${p.decision} (episode ${p.episode}, step ${p.step}) diverged at seq ${p.seq} ${p.event_type} ${p.field}: recorded ${p.recorded}, replayed ${p.replayed}`);
                  else if (p.status === 'error') print(`  decision ${p.decision} (episode ${p.episode}, step ${p.step}) error [${p.code}]: ${p.message}`);
                }
              }
              return r.diverged + r.errors > 0 ? EXIT.problem : EXIT.ok;
            }
            if (o.closedLoop) {
              const { closedLoop } = await import('../../../replay/closed-loop.js');
              const derivedId = newRunId();
              const withdraw = onInterrupt(interruptedRunReport({ db: o.db, run: derivedId, source: runId }));
              const r = await closedLoop(store, runId, { ...agentOption, runId: derivedId, from: o.from!, swaps, plannerSettings: settings, ...(o.steps ? { maxSteps: o.steps } : {}) }).finally(withdraw);
              const compacted = await compactDerived(r.derived_run);
              if (o.json) printJson({ ...r, compacted });
              else {
                print(`closed-loop replay of ${r.source_run} from decision ${r.from_decision} (episode ${r.episode}, step ${r.start_step}) → run ${r.derived_run}`);
                if (compacted !== null) print(`  compacted into ${compacted.segments} segments (${compacted.segment_bytes} bytes)`);
                print(`  ${r.steps} steps, ended by ${r.ended_by}; reward return ${r.reward_return.toFixed(3)} (recorded run: ${r.source_reward_return.toFixed(3)} over ${r.source_steps} steps)`);
                if (r.performance_return !== null) print(`  performance return ${r.performance_return.toFixed(3)} (recorded run: ${(r.source_performance_return ?? 0).toFixed(3)})`);
                print(`  first action ${act(r.first_action)} (recorded ${act(r.source_first_action)}); components frozen at the versions of decision ${r.from_decision}, no learning`);
              }
              return EXIT.ok;
            }
            const { reevaluate } = await import('../../../replay/reevaluate.js');
            const derivedId = newRunId();
            const withdraw = onInterrupt(interruptedRunReport({ db: o.db, run: derivedId, source: runId }));
            const bar = startProgress({ label: 're-deciding', total: await decisionsInRange(store, runId, o.episodes), what: 'decisions', json: o.json });
            let r;
            try {
              r = await reevaluate(store, runId, { ...agentOption, runId: derivedId, swaps, plannerSettings: settings, ...(o.episodes ? { episodes: o.episodes } : {}), onDecision: (n) => bar.update(n) });
            } finally {
              bar.stop();
              withdraw();
            }
            const compacted = await compactDerived(r.derived_run);
            if (o.json) printJson({ ...r, compacted });
            else {
              print(`open-loop replay of ${r.source_run} → derived run ${r.derived_run}`);
              if (compacted !== null) print(`  compacted into ${compacted.segments} segments (${compacted.segment_bytes} bytes)`);
              print(`  ${r.decisions} decisions re-decided; ${r.flipped} flipped (flip rate ${(100 * r.flip_rate).toFixed(2)}%); mean |Δ value| ${r.mean_abs_delta_value === null ? 'n/a' : r.mean_abs_delta_value.toFixed(4)}`);
              if (r.most_changed.length > 0) {
                print('  most changed decisions:');
                for (const d of r.most_changed) {
                  const flip = d.action_before !== d.action_after ? `action ${act(d.action_before)} → ${act(d.action_after)}` : `action ${act(d.action_before)} (same)`;
                  print(`    decision ${d.decision} (episode ${d.episode}, step ${d.step}): ${flip}, value ${fmt(d.value_before)} → ${fmt(d.value_after)}`);
                }
              }
              print(`next: npx flightrec diff ${r.source_run} ${r.derived_run}${dbFlag(o.db)}`);
              const note = passwordNote(o.db);
              if (note !== null) print(`  (${note})`);
            }
            return EXIT.ok;
          }, o.verify ? { readonly: true } : { mustExist: true });
        }),
      );
  },
};

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(4);
}
