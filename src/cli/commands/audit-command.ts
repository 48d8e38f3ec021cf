import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../../errors/flightrec-error.js';
import { auditRun, type AuditReport } from '../../audit/audit-run.js';
import type { EventStore } from '../../store/event-store.js';
import { auditsNamed, CHECK_NAMES, type CheckName } from '../../audit/audits.js';
import type { AuditOutcome, Verdict } from '../../audit/audit-types.js';
import { loadReferenceReward, parseReferenceSpec } from '../../audit/reference-reward.js';
import { uplotSource } from '../../charts/uplot-source.js';
import { renderAuditHtml } from '../../audit/render-audit-html.js';
import { auditedRun } from '../../audit/report-sections.js';
import { FINAL_SHARE } from '../../audit/thresholds.js';
import { EXIT, GlobalOptions, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { formatTable } from '../../text/format-table.js';
import { warnIfIncomplete } from './warn-incomplete.js';
import { readDecisionIndex } from '../../store/decision-index.js';
import { onInterrupt } from '../on-interrupt.js';
import { startProgress } from '../terminal-progress.js';
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

/** `flightrec audit <run>`: the audits of docs/design.md ("Audits") with verdicts; exit 1 when any fails. */
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
          onInterrupt(() => [`audit of run ${o.run} stopped; it only reads, so nothing was written`]);
          const report = await withStore(o.db, async (store) => {
            await warnIfIncomplete(store, o.run); // before the bar: a warning printed under a live bar is overdrawn
            const bar = startProgress({ label: 'auditing', total: (await readDecisionIndex(store, (await store.getRun(o.run)).pk)).decision.length, what: 'decisions', json: o.json });
            const progress = (n: number) => bar.update(n);
            // A reference reward given as a function can also re-decide every decision: how many would flip under it.
            const redecider = reference?.kind === 'module' && checks.includes('reward') ? await tryReDecider(store, o.run) : null;
            try {
              return await auditRun(store, o.run, {
                checks,
                reference,
                ...(o.gamma === undefined ? {} : { gamma: o.gamma }),
                onProgress: progress,
                ...(redecider ? { reDecide: async (view, ref) => (ref.kind === 'module' ? redecider.reDecide(view.record, ref.reward) : null) } : {}),
              });
            } finally {
              redecider?.dispose();
              bar.stop();
            }
          });
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

/** The audit for people: a summary table (verdict and key figures per check), then one section per check. */
export function formatAuditText(r: AuditReport): string[] {
  const results = r.checks as Record<string, AuditOutcome | undefined>;
  const ran = auditsNamed(CHECK_NAMES).flatMap((d) => (results[d.key] ? [{ d, x: results[d.key]! }] : []));
  const lines = [`audit of run ${r.run}: ${auditedRun(r)}`, ''];
  lines.push(...formatTable(['CHECK', 'VERDICT', 'JUDGED FIGURES (whole run in parentheses)'], ran.map(({ d, x }) => [d.name, LABEL[x.verdict], d.summary(x).join('  ')])));
  lines.push('', `critic, actor and world-model verdicts judge the last ${FINAL_SHARE * 100}% of decisions, what training ended with.`, `open a decision with: npx flightrec show ${r.run} <decision>`);
  for (const { d, x } of ran) {
    lines.push('', `${d.title}: ${d.subtitle(x)}: ${LABEL[x.verdict]}`);
    for (const reason of x.reasons) lines.push(`  ${LABEL[reason.verdict].padEnd(4)}  ${reason.message}`);
    for (const n of x.notes) lines.push(`  note: ${n}`);
    lines.push(...d.details(x).map((l) => `  ${l}`));
  }
  return lines;
}

/** A re-decider for runs replay can rebuild (reference-agent runs); null for others, whose audit simply omits flips. */
async function tryReDecider(store: EventStore, run: string) {
  const { createReDecider } = await import('../../../replay/reference-redecider.js');
  try {
    return await createReDecider(store, run);
  } catch (e) {
    if ((e as { code?: string }).code === 'REPLAY_UNSUPPORTED') return null;
    throw e;
  }
}
