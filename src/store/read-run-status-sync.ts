import Database from 'better-sqlite3';
import { EventSegments } from './event-segments.js';
import { eventTypeId } from './event-type-id.js';
import { PgSyncBridge } from './postgres/pg-sync-bridge.js';
import { isPostgresUrl, redactUrl } from './postgres/pg-types.js';

/** A run's status and how far it got, as a signal handler can read it (synchronously, on its own read-only connection). */
export interface RunStatusSync {
  status: string;
  events: number;
  /** Decisions recorded (the highest decision number + 1), 0 when none. */
  decisions: number;
  /** Episodes that reached episode.ended. */
  episodes: number;
}

/** Reads a run's status from the database file; undefined when the run (or the file) is not there. Never throws. */
export function readRunStatusSync(path: string, runId: string): RunStatusSync | undefined {
  if (isPostgresUrl(path)) return readPostgresRunStatusSync(path, runId);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const run = db.prepare('select pk, status, head_seq from runs where id = ?').get(runId) as { pk: number; status: string; head_seq: number } | undefined;
    if (run === undefined) return undefined;
    const d = db.prepare('select max(decision) as d from decision_spans where run_pk = ?').get(run.pk) as { d: number | null };
    const e = db.prepare('select count(*) as n from events where run_pk = ? and type_id = ? and type = ?').get(run.pk, eventTypeId('episode.ended'), 'episode.ended') as { n: number };
    const episodes = e.n === 0 && run.head_seq >= 0 && isCompacted(db, run.pk) ? new EventSegments(db).events(run.pk, { types: ['episode.ended'] }, -1, null, Infinity).length : e.n;
    return { status: run.status, events: run.head_seq + 1, decisions: d.d === null ? 0 : d.d + 1, episodes };
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

/** True when the run's events are in segments; false too for a file from before segments existed. */
function isCompacted(db: Database.Database, runPk: number): boolean {
  try {
    return db.prepare('select 1 from event_segments where run_pk = ? limit 1').get(runPk) !== undefined;
  } catch {
    return false;
  }
}

/** The same from a PostgreSQL server, through a writer thread of its own (read-only), synchronously. */
function readPostgresRunStatusSync(url: string, runId: string): RunStatusSync | undefined {
  let bridge: PgSyncBridge | undefined;
  try {
    bridge = new PgSyncBridge(url, redactUrl(url), true);
    return bridge.call<RunStatusSync | null>({ op: 'runStatus', run: runId }) ?? undefined;
  } catch {
    return undefined;
  } finally {
    void bridge?.close();
  }
}
