/** The k items with the largest score seen so far (ties: the earlier item stays). Memory O(k). */
export class TopK<T> {
  private items: { score: number; item: T }[] = [];

  constructor(readonly k: number) {}

  add(score: number, item: T): void {
    if (Number.isNaN(score)) return;
    if (this.items.length === this.k && score <= this.items[this.items.length - 1]!.score) return;
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.score < score) i--;
    this.items.splice(i, 0, { score, item });
    if (this.items.length > this.k) this.items.pop();
  }

  merge(o: TopK<T>): void {
    for (const x of o.items) this.add(x.score, x.item);
  }

  /** Best first. */
  list(): T[] {
    return this.items.map((x) => x.item);
  }
}
