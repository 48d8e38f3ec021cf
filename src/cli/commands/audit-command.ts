import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { auditRun, type AuditReport } from '../../audit/audit-run.js';
import type { SqliteEventStore } from '../../store/sqlite-event-store.js';
import { CHECK_NAMES, type AuditOutcome, type CheckName, type Verdict } from '../../audit/audit-types.js';
import { formatFigure as f } from '../../audit/format-figure.js';
import { loadReferenceReward, parseReferenceSpec } from '../../audit/reference-reward.js';
import { uplotSource } from '../../charts/uplot-source.js';
import { renderAuditHtml } from '../../audit/render-audit-html.js';
import { FINAL_SHARE, HACKING_WINDOW } from '../../audit/thresholds.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { formatTable } from './format-table.js';
import { withStore } from './with-store.js';

const Checks = z
  .string()
  .transform((s) => s.split(',').map((c) => c.trim().replace('_', '-')).filter(Boolean))
  .superRefine((names, ctx) => {
    const unknown = names.filter((n) => !(CHECK_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown check ${unknown.map((u) => JSON.stringify(u)).join(', ')}; valid checks: ${CHECK_NAMES.join(', ')}`, input: unknown });
    else if (names.length === 0) ctx.addIssue({ code: 'custom', message: `no check named; valid checks: ${CHECK_NAMES.join(', ')}`, input: names });
  })
  .transform((names) => CHECK_NAMES.filter((c) => names.includes(c)) as CheckName[]);

const Gamma = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number({ error: 'gamma must be a number' }).gt(0, 'gamma must be in (0, 1]').max(1, 'gamma must be in (0, 1]'));

const Options = GlobalOptions.extend({
  run: z.string().min(1),
  check: Checks.optional(),
  reference: z.string().min(1).optional(),
  gamma: Gamma.optional(),
  html: z.string().min(1).optional(),
});

/** `flightrec audit <run>`: the four audits of DESIGN.md with verdicts; exit 1 when any fails. */
export const auditCommand: CliCommand = {
  name: 'audit',
  register(program, run) {
    program
      .command('audit')
      .description('audit a run: critic calibration, actor–critic consistency, world-model fidelity and exploitation, reward divergence')
      .argument('<run>', 'run id')
      .option('--check <checks>', `only these audits, comma-separated: ${CHECK_NAMES.join(', ')}`)
      .option('--reference <spec>', "reference reward: 'performance' (the env's hidden signal, the default when recorded) or 'module:<path>' (an ESM module exporting a RewardFunction)")
      .option('--gamma <γ>', 'discount when the run config has no agent.gamma')
      .option('--html <file>', 'also write a self-contained HTML report with charts')
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          const spec = parseReferenceSpec(o.reference);
          const checks = o.check ?? [...CHECK_NAMES];
          if (o.reference !== undefined && !checks.includes('reward')) throw new InvalidInputError('--reference only applies to the reward check; add reward to --check', { field: '--reference', value: o.reference });
          const reference = await loadReferenceReward(spec);
          if (o.html !== undefined) uplotSource(); // before the audit's work: a missing library fails fast
          const progress = process.stderr.isTTY && !o.json ? (n: number) => process.stderr.write(`\rauditing… ${n} decisions`) : undefined;
          const report = await withStore(o.db, async (store) => {
            // A reference reward given as a function can also re-decide every decision: how many would flip under it.
            const redecider = reference?.kind === 'module' && checks.includes('reward') ? await tryReDecider(store, o.run) : null;
            try {
              return await auditRun(store, o.run, {
                checks,
                reference,
                ...(o.gamma === undefined ? {} : { gamma: o.gamma }),
                ...(progress ? { onProgress: progress } : {}),
                ...(redecider ? { reDecide: async (view, ref) => (ref.kind === 'module' ? redecider.reDecide(view.record, ref.reward) : null) } : {}),
              });
            } finally {
              redecider?.dispose();
            }
          });
          if (progress) process.stderr.write('\r\x1b[K');
          if (spec.kind === 'performance' && report.checks.reward?.reference === null) {
            throw new InvalidInputError(`--reference performance: run ${o.run} recorded no performance signal (env.stepped performance is null); use --reference module:<path>`, { field: '--reference', value: o.reference });
          }
          if (o.html !== undefined) writeFileSync(o.html, renderAuditHtml(report));
          if (o.json) printJson(report);
          else {
            for (const line of formatAuditText(report)) print(line);
            if (o.html !== undefined) print(`\nHTML report written to ${o.html}`);
          }
          return Object.values(report.checks).some((c) => (c as AuditOutcome).verdict === 'fail') ? EXIT.problem : EXIT.ok;
        }),
      );
  },
};

const LABEL: Record<Verdict, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL', not_available: 'n/a' };
const MAX_WINDOW_ROWS = 6;
const MAX_DECISIONS = 5;

/** The audit for people: a summary table (verdict and key figures per check), then one section per check. */
export function formatAuditText(r: AuditReport): string[] {
  const c = r.checks;
  const lines: string[] = [];
  const gamma = r.gamma === null ? 'no γ' : `γ ${r.gamma}${r.gamma_source === '--gamma' ? ' (--gamma)' : ''}`;
  lines.push(`audit of run ${r.run}: ${r.env ?? 'unknown env'}, ${r.episodes} episodes, ${r.decisions} decisions, ${gamma}`, '');
  const rows: string[][] = [];
  if (c.critic) rows.push(['critic', LABEL[c.critic.verdict], `bias ${f(c.critic.bias)}  rmse ${f(c.critic.rmse)}  expl.var ${f(c.critic.explained_variance)}  spearman ${f(c.critic.rank_correlation)}${c.critic.exact_rmse !== null ? `  vs exact V^π: rmse ${f(c.critic.exact_rmse)}` : ''}`]);
  if (c.actor) rows.push(['actor', LABEL[c.actor.verdict], `agreement ${f(c.actor.agreement)}  mean regret ${f(c.actor.mean_regret)}  max regret ${f(c.actor.max_regret)}`]);
  if (c.world_model) rows.push(['world-model', LABEL[c.world_model.verdict], `one-step mse ${f(c.world_model.one_step_error)}  optimism ${f(c.world_model.optimism)} (not chosen ${f(c.world_model.optimism_non_chosen)})  done ECE ${f(c.world_model.done.calibration_error)}`]);
  if (c.reward) {
    const w = c.reward;
    rows.push(['reward', LABEL[w.verdict], w.reference === null ? 'no reference reward' : `rank corr ${f(w.rank_correlation)}  hacking episodes ${w.hacking_episodes}/${w.judged_episodes}  vs ${w.reference}`]);
  }
  lines.push(...formatTable(['CHECK', 'VERDICT', 'KEY FIGURES (whole run)'], rows));
  lines.push('', `critic, actor and world-model verdicts judge the last ${FINAL_SHARE * 100}% of decisions, what training ended with.`, `open a decision with: flightrec show ${r.run} <decision>`);
  if (c.critic) {
    const x = c.critic;
    section(lines, 'critic calibration: V(s_t) vs realized discounted return G_t', x);
    if (x.final) lines.push(`  final, decisions ${x.final.first_decision}-${x.final.last_decision}: bias ${f(x.final.bias)}  rmse ${f(x.final.rmse)}  expl.var ${f(x.final.explained_variance)}  spearman ${f(x.final.rank_correlation)}  G ${f(x.final.mean_return)} ± ${f(x.final.std_return)}${x.final.exact_rmse !== null ? `  vs exact V^π: bias ${f(x.final.exact_bias)} rmse ${f(x.final.exact_rmse)}` : ''}`);
    const exact = x.exact_rmse !== null;
    windowTable(lines, 'critic', ['BIAS', 'RMSE', 'EXPL.VAR', 'SPEARMAN', ...(exact ? ['EXACT_RMSE'] : [])], x.windows, (w) => [f(w.bias), f(w.rmse), f(w.explained_variance), f(w.rank_correlation), ...(exact ? [f(w.exact_rmse)] : [])]);
    if (x.calibration.length > 0) {
      lines.push('  calibration by value bin, whole run:');
      const t = formatTable(['V BIN', 'N', 'MEAN V', 'MEAN G', 'BIAS'], x.calibration.map((b) => [`[${f(b.lo, 2)}, ${f(b.hi, 2)})`, String(b.n), f(b.mean_predicted), f(b.mean_realized), f(b.bias)]), [1, 2, 3, 4]);
      lines.push(...t.map((l) => `    ${l}`));
    }
    decisions(lines, x);
  }
  if (c.actor) {
    const x = c.actor;
    section(lines, "actor–critic consistency: chosen action vs one-step Q = r̂ + γ(1 − done)V(ŝ')", x);
    if (x.final) lines.push(`  final, decisions ${x.final.first_decision}-${x.final.last_decision}: agreement ${f(x.final.agreement)}  mean regret ${f(x.final.mean_regret)}  max ${f(x.final.max_regret)}  own-score agreement ${f(x.final.own_score_agreement)}  actor-proposal agreement ${f(x.final.proposal_agreement)}`);
    if (x.disagreement_from_exploration !== null) lines.push(`  ${f(x.disagreement_from_exploration * 100, 0)}% of the non-maximising choices did not maximise the decision's own scores either (exploration)`);
    windowTable(lines, 'actor', ['AGREEMENT', 'MEAN_REGRET', 'MAX_REGRET'], x.windows, (w) => [f(w.agreement), f(w.mean_regret), f(w.max_regret)]);
    decisions(lines, x);
  }
  if (c.world_model) {
    const x = c.world_model;
    section(lines, 'world-model fidelity and exploitation', x);
    lines.push(`  one step: mse ${f(x.one_step_error)}  max |Δ| ${f(x.one_step_max_abs)}  mse/Var(next obs) ${f(x.relative_one_step_error)};  P(done): Brier ${f(x.done.brier)}  ECE ${f(x.done.calibration_error)}`);
    if (x.k_step.length > 0) lines.push(`  k-step mse along chosen plans the agent followed: ${x.k_step.map((k) => `k=${k.k} ${f(k.error)} (n ${k.n})`).join('  ')}`);
    if (x.optimism_source !== null) lines.push(`  optimism, imagined − realized return (${x.optimism_source}): chosen ${f(x.optimism)} (${x.optimism_plans.chosen} plans), not chosen ${f(x.optimism_non_chosen)} (${x.optimism_plans.non_chosen}); std of realized ${f(x.realized_return_std)}`);
    if (x.final) lines.push(`  final, decisions ${x.final.first_decision}-${x.final.last_decision}: one-step mse ${f(x.final.one_step_error)}  optimism ${f(x.final.optimism)}  not chosen ${f(x.final.optimism_non_chosen)}`);
    windowTable(lines, 'world-model', ['ONE_STEP_MSE', 'OPTIMISM', 'NOT_CHOSEN'], x.windows, (w) => [f(w.one_step_error), f(w.optimism), f(w.optimism_non_chosen)]);
    decisions(lines, x);
  }
  if (c.reward) {
    const x = c.reward;
    section(lines, `reward divergence: recorded reward vs ${x.reference ?? 'a reference (none)'}`, x);
    if (x.reference !== null) {
      lines.push(`  ${x.episodes} episodes: mean reward return ${f(x.mean_reward_return)}, mean reference return ${f(x.mean_reference_return)}; Spearman per episode ${f(x.rank_correlation)}, per transition ${f(x.transition_rank_correlation)}`);
      const ids = x.hacking_episode_ids;
      lines.push(`  hacking episodes (reward return up, reference down vs the previous ${HACKING_WINDOW}): ${x.hacking_episodes} of ${x.judged_episodes}${ids.length > 0 ? `: ${ids.slice(0, 15).join(', ')}${ids.length > 15 ? ', …' : ''}` : ''}`);
      if (x.flips !== null) lines.push(`  re-decided under the reference: ${x.flips.flipped} of ${x.flips.decided} decisions flip`);
    }
    decisions(lines, x);
  }
  return lines;
}

function section(lines: string[], title: string, x: AuditOutcome): void {
  lines.push('', `${title}: ${LABEL[x.verdict]}`);
  for (const r of x.reasons) lines.push(`  ${LABEL[r.verdict].padEnd(4)}  ${r.message}`);
  for (const n of x.notes) lines.push(`  note: ${n}`);
}

function windowTable<W extends { first_decision: number; last_decision: number; versions: number; n: number }>(lines: string[], what: string, header: string[], windows: readonly W[], cells: (w: W) => string[]): void {
  if (windows.length <= 1) return;
  const shown = windows.length <= MAX_WINDOW_ROWS ? windows : Array.from({ length: MAX_WINDOW_ROWS }, (_, i) => windows[Math.round((i * (windows.length - 1)) / (MAX_WINDOW_ROWS - 1))]!);
  lines.push(`  over training, ${windows.length} windows of consecutive ${what} versions${shown.length < windows.length ? ` (${shown.length} shown, all in --json)` : ''}:`);
  const table = formatTable(['DECISIONS', 'VERSIONS', 'N', ...header], shown.map((w) => [`${w.first_decision}-${w.last_decision}`, String(w.versions), String(w.n), ...cells(w)]), [1, 2, ...header.map((_, i) => i + 3)]);
  lines.push(...table.map((l) => `    ${l}`));
}

function decisions(lines: string[], x: AuditOutcome): void {
  if (x.decisions.length === 0) return;
  lines.push('  decisions driving the verdict:');
  for (const d of x.decisions.slice(0, MAX_DECISIONS)) lines.push(`    ${String(d.decision).padStart(6)}  episode ${d.episode ?? '-'} step ${d.step ?? '-'}: ${d.why}`);
}

/** A re-decider for runs replay can rebuild (reference-agent runs); null for others, whose audit simply omits flips. */
async function tryReDecider(store: SqliteEventStore, run: string) {
  const { createReDecider } = await import('../../../replay/reference-redecider.js');
  try {
    return await createReDecider(store, run);
  } catch (e) {
    if ((e as { code?: string }).code === 'REPLAY_UNSUPPORTED') return null;
    throw e;
  }
}
