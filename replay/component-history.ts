import type { AnyComponent } from '../src/agent/components.js';
import type { RecordedEvent } from '../src/events/registry.js';
import { decodeRow } from '../src/store/decode-row.js';
import type { EventStore } from '../src/store/event-store.js';
import { applyRecordedUpdate, loadRecordedCheckpoint } from './apply-log.js';
import { BatchDeriver } from './batch-deriver.js';
import { VersionRebuildError } from './replay-errors.js';

/**
 * Keeps one live component in step with a run's log, lazily: `materialize(version, seq)` brings
 * it to the parameters it had at log position `seq` by loading the last checkpoint in between
 * (when there is one) and re-applying the updates after it. A component whose outputs a replay
 * serves from the log is never materialised at all — that is the recomputation it avoids.
 */
export class ComponentHistory {
  private cursor: number;

  constructor(
    private readonly store: EventStore,
    private readonly runPk: number,
    private readonly runId: string,
    readonly live: AnyComponent,
    /** Log position the live parameters already reflect (every history event with seq ≤ cursor). */
    cursor = 0,
  ) {
    this.cursor = cursor;
  }

  materialize(version: string, atSeq: number): void {
    if (atSeq > this.cursor) {
      const rows = this.store.componentHistorySync(this.runPk, this.live.name, this.cursor + 1, atSeq);
      // Only the last checkpoint and the updates after it are decoded: nothing before it counts.
      const last = rows.findLastIndex((r) => r.type === 'checkpoint.saved');
      if (last >= 0) loadRecordedCheckpoint(this.live, decodeRow(rows[last]!, this.runId, this.store) as RecordedEvent<'checkpoint.saved'>);
      for (const r of rows.slice(last + 1)) {
        const e = decodeRow(r, this.runId, this.store);
        if (e.type === 'component.updated') applyRecordedUpdate(this.live, e, BatchDeriver.forRun(this.store, this.runPk, this.runId));
      }
      this.cursor = atSeq;
    }
    if (this.live.version() !== version) throw new VersionRebuildError(this.live.name, -1, atSeq, version, this.live.version());
  }
}
