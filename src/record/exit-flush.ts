/**
 * Flushes every open run when the process exits normally or is told to stop (SIGINT, SIGTERM),
 * so that what the agent recorded is on disk. better-sqlite3 writes synchronously, which is what
 * makes flushing from an 'exit' handler possible at all.
 */
export interface Flushable {
  flushSync(): void;
  interruptSync(signal: string): void;
}

const open = new Set<Flushable>();
let installed = false;

export function trackForExit(run: Flushable): void {
  open.add(run);
  install();
}

export function untrackForExit(run: Flushable): void {
  open.delete(run);
}

/**
 * Marks every open run interrupted and flushes it, now: for a signal handler that exits itself
 * (the CLI's Ctrl-C report), which must not wait for this module's own listener to run.
 */
export function interruptOpenRuns(signal: string): void {
  for (const r of [...open]) r.interruptSync(signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const r of open) {
      try {
        r.flushSync();
      } catch {
        // exit handlers cannot report; the run's error was already surfaced on its handle
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interruptOpenRuns(signal);
      // Others may listen too (a CLI that prints a summary); leave exiting to them.
      if (process.listenerCount(signal) <= 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}
