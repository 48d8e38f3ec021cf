/**
 * A stored event as the diff reads it: the envelope columns alignment needs and the payload still
 * encoded, as a range of the page it was read with (no copy, no object per payload). The diff
 * compares payload bytes and decodes only what differs (or what a delta needs), which is what
 * lets it stream two million-event runs in seconds.
 */
export interface RawEvent {
  readonly seq: number;
  readonly type: string;
  /** Schema version of the stored payload (payloads at different versions are upcast before comparing). */
  readonly v: number;
  readonly episode: number | null;
  readonly step: number | null;
  readonly decision: number | null;
  /** Canonical payload bytes (src/events/payload-codec.ts) are `page[start, end)`. */
  readonly page: Buffer;
  readonly start: number;
  readonly end: number;
}

/** True when two events have the same payload bytes. */
export function samePayload(a: RawEvent, b: RawEvent): boolean {
  return a.end - a.start === b.end - b.start && a.page.compare(b.page, b.start, b.end, a.start, a.end) === 0;
}
