import type { Command } from 'commander';
import { z } from 'zod';
import { eventType, knownEventTypes, type RecordedEvent } from '../../events/registry.js';
import { readEvents } from '../../store/event-reader.js';
import { EXIT, GlobalOptions, IntOption, parseOptions, print, printJson, type CliCommand } from '../cli-command.js';
import { cell } from '../../text/format-table.js';
import { stdoutReaderGone } from './stdout-reader.js';
import { summarizePayload } from '../../text/summarize-payload.js';
import { eventToJson } from '../../show/to-json-view.js';
import { withStore } from './with-store.js';

const NonNegative = (what: string) => IntOption(what).refine((n) => n >= 0, `${what} must be 0 or more`);

const EventTypes = z
  .string()
  .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean))
  .superRefine((types, ctx) => {
    for (const t of types) {
      try {
        eventType(t);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message, input: t });
        return;
      }
    }
  });

const Options = GlobalOptions.extend({
  run: z.string().min(1),
  type: EventTypes.optional(),
  episode: NonNegative('episode').optional(),
  stepFrom: NonNegative('step').optional(),
  stepTo: NonNegative('step').optional(),
  decision: NonNegative('decision').optional(),
  component: z.string().min(1).optional(),
  limit: IntOption('limit').refine((n) => n > 0, 'limit must be 1 or more').optional(),
});


/** `flightrec events <run>`: a run's events, filtered; one line each, or NDJSON with --json. */
export const eventsCommand: CliCommand = {
  name: 'events',
  register(program, run) {
    program
      .command('events')
      .description("list a run's events (filters combine with AND)")
      .argument('<run>', 'run id')
      .option('--type <types>', 'only these event types, comma-separated')
      .option('--episode <n>', 'only this episode')
      .option('--step-from <n>', 'only steps from n')
      .option('--step-to <n>', 'only steps up to n')
      .option('--decision <n>', 'only this decision')
      .option('--component <name>', 'only events of this component')
      .option('--limit <n>', 'at most n events')
      .action((runId: string, _opts: unknown, cmd: Command) =>
        run(async () => {
          const o = parseOptions(Options, { ...cmd.optsWithGlobals(), run: runId });
          const filter = { types: o.type, episode: o.episode, stepFrom: o.stepFrom, stepTo: o.stepTo, decision: o.decision, component: o.component, limit: o.limit };
          return await withStore(o.db, async (store) => {
            const head = (await store.getRun(o.run)).head_seq;
            const line = lineFormatter(String(Math.max(head, 0)).length);
            if (!o.json && !stdoutReaderGone()) print(line(null));
            for await (const e of readEvents(store, o.run, filter)) {
              if (stdoutReaderGone()) break;
              if (o.json) printJson(eventToJson(e));
              else print(line(e));
            }
            return EXIT.ok;
          });
        }),
      );
  },
};

// Fixed column widths, because events stream and a run can be far longer than what fits in memory.
function lineFormatter(seqWidth: number) {
  const w = { seq: Math.max(3, seqWidth), type: Math.max(...knownEventTypes().map((d) => d.type.length)), where: 14, who: 28, parent: Math.max(6, seqWidth) };
  return (e: RecordedEvent | null): string => {
    const cols = e === null
      ? ['SEQ'.padStart(w.seq), 'TYPE'.padEnd(w.type), 'EP/STEP/DEC'.padEnd(w.where), 'COMPONENT@VERSION'.padEnd(w.who), 'PARENT'.padStart(w.parent), 'PAYLOAD']
      : [
          String(e.seq).padStart(w.seq),
          e.type.padEnd(w.type),
          `${cell(e.episode)}/${cell(e.step)}/${cell(e.decision)}`.padEnd(w.where),
          (e.component === null ? '-' : `${e.component}@${cell(e.version)}`).padEnd(w.who),
          cell(e.parent).padStart(w.parent),
          summarizePayload(e.payload),
        ];
    return cols.join('  ');
  };
}
