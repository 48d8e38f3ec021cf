import { interruptOpenRuns } from '../record/exit-flush.js';
import { stopAllProgress } from './terminal-progress.js';

type Report = () => string[];

const reports = new Set<Report>();
let installed = false;

/**
 * Ctrl-C while a command works: restore the terminal (live progress bars hide the cursor and turn
 * line wrapping off), end the line, mark the runs being recorded `interrupted`, print what each
 * registered report says (the run, its status, what can still be done with it) and exit 130.
 * Commands with their own shutdown (serve, ui) never call this, so their SIGINT stays theirs.
 * Returns a function that withdraws the report once its work is done.
 */
export function onInterrupt(report: Report = () => []): () => void {
  reports.add(report);
  if (!installed) {
    installed = true;
    process.on('SIGINT', handle);
    process.on('SIGTERM', handle);
  }
  return () => reports.delete(report);
}

function handle(signal: NodeJS.Signals): void {
  if (!stopAllProgress()) process.stderr.write('\n');
  // Before the report reads the run's status back: the recorder's own listener may not have run yet.
  interruptOpenRuns(signal);
  const lines = [...reports].flatMap((r) => {
    try {
      return r();
    } catch {
      return [];
    }
  });
  process.stderr.write(`flightrec: ${signal === 'SIGINT' ? 'interrupted (Ctrl-C)' : `stopped by ${signal}`}\n${lines.map((l) => `${l}\n`).join('')}`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
