import type Database from 'better-sqlite3';

/**
 * A multi-row INSERT on SQLite: rows go `chunk` to a statement (one statement per 50 rows costs
 * ~30% less per row than one per row, bench/README.md "record"), and the remainder in one
 * statement of its own size, each prepared once on first use.
 */
export class ChunkedInsert {
  private readonly statements = new Map<number, Database.Statement>();

  constructor(
    private readonly sqlite: Database.Database,
    /** `insert into t (a, b) values` */
    private readonly head: string,
    /** Bound values per row. */
    private readonly width: number,
    /** After the rows, e.g. an `on conflict` clause. */
    private readonly tail = '',
    private readonly chunk = 50,
  ) {}

  /** Inserts `params.length / width` rows, their values flattened row after row. */
  run(params: readonly unknown[]): void {
    const rows = params.length / this.width;
    let i = 0;
    for (; i + this.chunk <= rows; i += this.chunk) this.statement(this.chunk).run(params.slice(i * this.width, (i + this.chunk) * this.width));
    if (i < rows) this.statement(rows - i).run(i === 0 ? params : params.slice(i * this.width));
  }

  private statement(rows: number): Database.Statement {
    let s = this.statements.get(rows);
    if (s === undefined) {
      const row = `(${Array.from({ length: this.width }, () => '?').join(', ')})`;
      s = this.sqlite.prepare(`${this.head} ${Array.from({ length: rows }, () => row).join(', ')} ${this.tail}`);
      this.statements.set(rows, s);
    }
    return s;
  }
}
