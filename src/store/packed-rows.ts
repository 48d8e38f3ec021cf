import type { EventRow } from './event-store.js';

/**
 * A page of event rows fetched as ONE SQLite row: the columns of every row as one JSON array,
 * and the payloads and hashes each concatenated into one blob. better-sqlite3 copies every blob
 * column into a Buffer of its own, ~3.5 µs apiece, so a 17-event decision spent 120 of its 145 µs
 * of SQL making 34 Buffers (bench/README.md "read"); packed, the same rows take ~58 µs. Each
 * row's payload and hash are views of the two page blobs. The page is checked on arrival (seqs
 * strictly increasing, lengths adding up to the blobs), so an aggregate that did not keep the
 * inner query's order or bytes is an error, not a misread.
 */
export function packedPageSql(innerSql: string): string {
  return (
    'select count(*) as n, ' +
    `json_group_array(json_array(${ENVELOPE.join(', ')}, length(payload))) as columns, ` +
    "cast(group_concat(payload, '') as blob) as payloads, " +
    "cast(group_concat(hash, '') as blob) as hashes " +
    `from (${innerSql})`
  );
}

/** The columns of an events row other than its payload and hash, in the order the JSON holds them. */
const ENVELOPE = ['pos', 'run_pk', 'seq', 'id', 'type', 'type_id', 'v', 't', 'episode', 'step', 'decision', 'component', 'version', 'parent'] as const;

export interface PackedPage {
  n: number;
  columns: string;
  payloads: Buffer | null;
  hashes: Buffer | null;
}

/** A row's cells as the JSON holds them: the ENVELOPE columns' values, then the payload's length. */
type Cells = [...CellsOf<typeof ENVELOPE>, number];
type CellsOf<T extends readonly (keyof EventRow)[]> = { -readonly [K in keyof T]: EventRow[T[K]] };

/** The rows of a packed page, in seq order. */
export function unpackRows(page: PackedPage): EventRow[] {
  if (page.n === 0) return [];
  const cells = JSON.parse(page.columns) as Cells[];
  const payloads = page.payloads ?? Buffer.alloc(0);
  const hashes = page.hashes ?? Buffer.alloc(0);
  if (cells.length !== page.n || hashes.length !== page.n * 32) throw packError(`${cells.length} rows and ${hashes.length} hash bytes for ${page.n} events`);
  const rows = new Array<EventRow>(page.n);
  let at = 0;
  let previous = -Infinity;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    const length = c[14];
    if (!(c[2] > previous) || at + length > payloads.length) throw packError(`row ${i} (seq ${c[2]} after ${previous})`);
    rows[i] = {
      pos: c[0],
      run_pk: c[1],
      seq: c[2],
      id: c[3],
      type: c[4],
      type_id: c[5],
      v: c[6],
      t: c[7],
      episode: c[8],
      step: c[9],
      decision: c[10],
      component: c[11],
      version: c[12],
      parent: c[13],
      payload: payloads.subarray(at, at + length),
      hash: hashes.subarray(i * 32, i * 32 + 32),
    };
    at += length;
    previous = c[2];
  }
  if (at !== payloads.length) throw packError(`${payloads.length - at} payload bytes left over`);
  return rows;
}

function packError(what: string): Error {
  return new Error(`packed page does not unpack: ${what}; SQLite's aggregate did not keep the rows' order or bytes`);
}
