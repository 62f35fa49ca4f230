/**
 * A FIFO queue on a growable ring buffer: O(1) push and shift without `Array.shift`'s copying,
 * plus O(n) removal of one item (cancellation is rare). Modelled on undici's fixed-queue.
 */

/** FIFO queue with O(1) push/shift and occasional O(n) removal. */
export class FixedQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  /** @param initialCapacity starting slots (a power of two is rounded up to); default 16 */
  constructor(initialCapacity = 16) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.items = new Array(cap);
  }

  /** Number of queued items. */
  get length(): number {
    return this.count;
  }

  /** Whether the queue is empty. */
  isEmpty(): boolean {
    return this.count === 0;
  }

  /** Appends an item. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The i-th oldest item (0 = oldest). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.head + i) & (this.items.length - 1)];
  }

  /** Removes one occurrence of `item`; returns whether it was found. */
  remove(item: T): boolean {
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) {
      if (this.items[(this.head + i) & mask] !== item) continue;
      for (let j = i; j < this.count - 1; j++) {
        this.items[(this.head + j) & mask] = this.items[(this.head + j + 1) & mask];
      }
      this.items[(this.head + this.count - 1) & mask] = undefined;
      this.count--;
      return true;
    }
    return false;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.shift() as T);
    return out;
  }

  private grow(): void {
    const old = this.items;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
