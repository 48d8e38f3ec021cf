import cliProgress from 'cli-progress';

/** A progress bar; every method is a no-op when progress is not shown. */
export interface Progress {
  /** Moves the bar to `value` (of the total), with optional values for the format's `{name}` tokens. */
  update(value: number, payload?: Record<string, string>): void;
  /** Restores the terminal (cursor shown, line wrapping on) and ends the bar's line. Idempotent. */
  stop(): void;
}

const active = new Set<cliProgress.SingleBar>();
const NONE: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A bar on stderr with the count, total and ETA — only when stderr is a terminal and output is not
 * --json (a pipe or a log file gets no escape codes). `what` names the unit, e.g. "decisions".
 * While it runs the cursor is hidden and line wrapping is off; Ctrl-C (see on-interrupt.ts) stops
 * every live bar first, which undoes both.
 */
export function startProgress(o: { label: string; total: number; what: string; json?: boolean; extra?: string; payload?: Record<string, string>; megabytes?: boolean }): Progress {
  if (o.json === true || !process.stderr.isTTY || o.total <= 0) return NONE;
  const format = `${o.label} {bar} {value}/{total} ${o.what}${o.extra ?? ''} | {eta_formatted} left`;
  // Byte counts read better in MB; the bar itself still counts bytes.
  const formatValue = (v: number, options: cliProgress.Options, type: cliProgress.ValueType) => (o.megabytes === true && (type === 'value' || type === 'total') ? (v / 1e6).toFixed(1) : cliProgress.Format.ValueFormat(v, options, type));
  const bar = new cliProgress.SingleBar({ format, formatValue, hideCursor: true, stream: process.stderr, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
  bar.start(o.total, 0, o.payload ?? {});
  active.add(bar);
  return {
    update: (value, payload) => bar.update(value, payload ?? {}),
    stop: () => {
      if (!active.delete(bar)) return;
      bar.stop();
    },
  };
}

/** Stops every live bar (Ctrl-C); returns whether there was one (its stop already ended the line). */
export function stopAllProgress(): boolean {
  const had = active.size > 0;
  for (const bar of [...active]) {
    active.delete(bar);
    bar.stop();
  }
  return had;
}
