// Session expiry by time buckets, as ZooKeeper's ExpiryQueue: a touch moves an item to the bucket of its new
// deadline rounded up to the next interval, and each interval the member expires one whole bucket. Touching is
// O(1) and nothing scans all items. The bucket an item is in is kept on the item itself (no map from item to
// deadline), as a small integer counted in intervals from the queue's creation.

/** What the queue keeps on each item: the bucket it is due in, 0 while not queued. Only the queue writes it. */
export interface Expiring {
  expiryBucket: number;
}

export class ExpiryQueue<T extends Expiring> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly origin: number;
  /** The first bucket not expired yet. */
  private nextDue: number;
  private count = 0;

  constructor(
    private readonly interval: number,
    now: number,
  ) {
    this.origin = now;
    this.nextDue = this.bucketOf(now);
  }

  /** Sets `item` to expire `timeout` ms after `now`, rounded up to the next interval. */
  touch(item: T, now: number, timeout: number): void {
    // At least bucket 1 (0 means "not queued"), even if the clock stepped back past the origin.
    const bucket = Math.max(1, this.bucketOf(now + timeout));
    const old = item.expiryBucket;
    if (old === bucket) return;
    if (old === 0) this.count++;
    else this.buckets.get(old)?.delete(item);
    item.expiryBucket = bucket;
    const set = this.buckets.get(bucket);
    if (set) set.add(item);
    else this.buckets.set(bucket, new Set([item]));
  }

  remove(item: T): void {
    const old = item.expiryBucket;
    if (old === 0) return;
    this.buckets.get(old)?.delete(item);
    item.expiryBucket = 0;
    this.count--;
  }

  has(item: T): boolean {
    return item.expiryBucket !== 0;
  }

  /** When `item` expires (its bucket's time), or undefined if it is not queued. */
  deadlineOf(item: T): number | undefined {
    return item.expiryBucket === 0 ? undefined : this.origin + item.expiryBucket * this.interval;
  }

  /** Removes and returns every item whose deadline is at or before `now`. */
  expire(now: number): T[] {
    const out: T[] = [];
    const last = this.bucketOf(now) - 1;
    for (; this.nextDue <= last; this.nextDue++) {
      const set = this.buckets.get(this.nextDue);
      if (!set) continue;
      this.buckets.delete(this.nextDue);
      for (const item of set) {
        item.expiryBucket = 0;
        out.push(item);
      }
      this.count -= set.size;
    }
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** The bucket of deadline `t`: the number of whole intervals from the origin up to `t`, plus one. */
  private bucketOf(t: number): number {
    return Math.floor((t - this.origin) / this.interval) + 1;
  }
}
