import type { VersionWindow } from './version-windows.js';

/** Which decisions and component versions some consecutive windows cover, as each audit's window figures say. */
export interface WindowSpan {
  first_decision: number;
  last_decision: number;
  /** Version changes the windows span, plus one per window. */
  versions: number;
  first_version: string;
  last_version: string;
}

/** The span of consecutive windows; -1 and '' when there are none. */
export function windowSpan(ws: readonly VersionWindow<unknown>[]): WindowSpan {
  return {
    first_decision: ws[0]?.firstDecision ?? -1,
    last_decision: ws[ws.length - 1]?.lastDecision ?? -1,
    versions: ws.reduce((s, w) => s + w.versions, 0),
    first_version: ws[0]?.firstVersion ?? '',
    last_version: ws[ws.length - 1]?.lastVersion ?? '',
  };
}

/** Window figures without their span: the whole run's figures, as a result spreads them. */
export function withoutSpan<F extends WindowSpan>(f: F): Omit<F, keyof WindowSpan> {
  const { first_decision: _a, last_decision: _b, versions: _c, first_version: _d, last_version: _e, ...rest } = f;
  return rest;
}
