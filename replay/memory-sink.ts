import { defaultEventId } from '../src/events/envelope.js';
import { parseEventInput, type EventInput } from '../src/events/registry.js';
import type { EventSink } from '../src/record/agent-recorder.js';
import type { EventRef } from '../src/record/batching-options.js';

/**
 * Captures what instrumented components emit during a replayed decision, validated like a real
 * run's events, with seqs continuing from the recorded decision.started so parents line up.
 */
export class MemorySink implements EventSink {
  readonly events: { seq: number; event: EventInput }[] = [];

  constructor(
    private nextSeq: number,
    private readonly run = 'replay',
  ) {}

  append(event: unknown): EventRef {
    const parsed = parseEventInput(event);
    const seq = this.nextSeq++;
    this.events.push({ seq, event: parsed });
    return { run: this.run, seq, id: defaultEventId(this.run, seq), duplicate: false };
  }
}
