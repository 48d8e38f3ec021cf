import type { DecodeOptions } from '../events/payload-codec.js';
import type { DiffReport, EpisodeReturnDiff } from './diff-report.js';
import type { EpisodeEndUnit } from './diff-unit.js';
import { RawFields } from './event-fields.js';
import { PayloadView } from './payload-view.js';
import { samePayload } from '../store/raw-event.js';
import { jsonValue } from './render-value.js';

const LISTED = 10;

/** Compares the runs' episode.ended events episode by episode: returns and any other field. */
export class EpisodeComparison {
  decodeA: DecodeOptions = {};
  decodeB: DecodeOptions = {};
  private a = 0;
  private b = 0;
  private compared = 0;
  private differing = 0;
  private onlyA = 0;
  private onlyB = 0;
  private deltaSum = 0;
  private deltaCount = 0;
  private deltaMax = 0;
  private readonly listed: EpisodeReturnDiff[] = [];

  /** One episode end (either side null when the episode ended in one run only); returns both returns for charts. */
  add(a: EpisodeEndUnit | null, b: EpisodeEndUnit | null): { returnA: number | null; returnB: number | null } {
    const fa = a === null ? null : new RawFields(new PayloadView(a.event.page, a.event.start, a.event.end), this.decodeA);
    const fb = b === null ? null : new RawFields(new PayloadView(b.event.page, b.event.start, b.event.end), this.decodeB);
    const returnA = fa === null ? null : (fa.value('return') as number);
    const returnB = fb === null ? null : (fb.value('return') as number);
    if (a !== null) this.a++;
    if (b !== null) this.b++;
    if (a === null) this.onlyB++;
    else if (b === null) this.onlyA++;
    else {
      this.compared++;
      const same = a.event.v === b.event.v && samePayload(a.event, b.event);
      const d = Math.abs(returnA! - returnB!);
      if (Number.isFinite(d)) {
        this.deltaSum += same ? 0 : d;
        this.deltaCount++;
        if (!same && d > this.deltaMax) this.deltaMax = d;
      }
      if (!same) {
        this.differing++;
        if (this.listed.length < LISTED) {
          this.listed.push({
            episode: a.episode,
            return_a: jsonValue(returnA) as number,
            return_b: jsonValue(returnB) as number,
            length_a: fa!.value('length') as number,
            length_b: fb!.value('length') as number,
          });
        }
      }
    }
    return { returnA, returnB };
  }

  report(): DiffReport['episodes'] {
    return {
      a: this.a,
      b: this.b,
      compared: this.compared,
      differing: this.differing,
      only_in_a: this.onlyA,
      only_in_b: this.onlyB,
      mean_abs_delta_return: this.deltaCount === 0 ? null : this.deltaSum / this.deltaCount,
      max_abs_delta_return: this.deltaCount === 0 ? null : this.deltaMax,
      first_differing: this.listed,
    };
  }
}
