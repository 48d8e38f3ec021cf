import { dbFlag, passwordNote } from './db-flag.js';
import { readRunStatusSync } from '../store/read-run-status-sync.js';

/**
 * What Ctrl-C prints about a run being recorded: its id, its status as stored (`interrupted`
 * once the recorder has ended it), how far it got and the commands that still work on what it
 * holds. For a derived run, `source` is the run it replays (diffing the two still works).
 */
export function interruptedRunReport(o: { db: string; run: string; source?: string }): () => string[] {
  return () => {
    const s = readRunStatusSync(o.db, o.run);
    if (s === undefined) return [`run ${o.run} had not started: nothing was recorded`];
    const db = dbFlag(o.db);
    const lines = [`run ${o.run} is ${s.status}: ${s.events} events recorded, ${s.decisions} decisions, ${s.episodes} episodes complete`];
    if (s.decisions === 0) return [...lines, `it holds no decision; list its events with: npx flightrec events ${o.run}${db}`];
    const next: [string, string][] = [
      [`npx flightrec show ${o.run} ${s.decisions - 1}${db}`, 'its last decision'],
      ...(o.source === undefined
        ? ([
            [`npx flightrec replay ${o.run} --verify${db}`, 'reproduce the decisions it recorded'],
            [`npx flightrec audit ${o.run}${db}`, 'audit what it recorded'],
          ] as [string, string][])
        : ([[`npx flightrec diff ${o.source} ${o.run}${db}`, 'compare the decisions re-decided so far']] as [string, string][])),
      [`npx flightrec verify ${o.run}${db}`, 'check its hash chain'],
    ];
    const width = Math.max(...next.map(([c]) => c.length));
    const note = passwordNote(o.db);
    return [...lines, 'what you can still do with it:', ...next.map(([c, w]) => `  ${c.padEnd(width)}  # ${w}`), ...(note === null ? [] : [`  (${note})`])];
  };
}
