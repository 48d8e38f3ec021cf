/**
 * Rows as aligned text: each column padded to its widest cell, two spaces apart. Columns listed in
 * `right` are right-aligned (numbers); the last column is never padded, so lines carry no trailing blanks.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 && !right.includes(i) ? c : right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}

/** A nullable cell: `-` stands for null so that columns never look empty. */
export function cell(v: string | number | null | undefined): string {
  return v === null || v === undefined || v === '' ? '-' : String(v);
}
