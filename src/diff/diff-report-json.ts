import { specialNumberName } from '../store/ndjson/ndjson-value.js';
import type { DiffReport } from './diff-report.js';

/**
 * The report as one JSON value (`flightrec diff --json`): chart series left out unless asked for,
 * and numbers JSON cannot hold written as the strings "NaN", "Infinity", "-Infinity", "-0"
 * (JSON.stringify would turn them into null and hide exactly the divergence being reported).
 */
export function diffReportJson(report: DiffReport, options: { series?: boolean } = {}): unknown {
  const { series, unaligned, flips, ...rest } = report;
  // Headline counts are plain numbers (scripts compare them); their breakdowns sit beside them.
  const flat = {
    ...rest,
    unaligned: unaligned.only_in_a + unaligned.only_in_b + unaligned.observation_differs,
    unaligned_detail: unaligned,
    flips: flips.count,
    flip_share: flips.share,
    first_flips: flips.first,
    ...(options.series ? { series } : {}),
  };
  return jsonSafe(flat);
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'number') return specialNumberName(v) ?? v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(jsonSafe);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = jsonSafe(x);
  return out;
}
