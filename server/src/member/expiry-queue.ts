// Session expiry by time buckets, as ZooKeeper's ExpiryQueue: a touch moves a session to the bucket of its new
// deadline rounded up to the next interval, and each interval the member expires one whole bucket. Touching is
// O(1) and nothing scans all sessions.
export class ExpiryQueue<K> {
  private readonly deadlineOf = new Map<K, number>();
  private readonly buckets = new Map<number, Set<K>>();
  private nextDue: number;

  constructor(
    private readonly interval: number,
    now: number,
  ) {
    this.nextDue = this.roundUp(now);
  }

  /** Sets `key` to expire `timeout` ms after `now`. */
  touch(key: K, now: number, timeout: number): void {
    const deadline = this.roundUp(now + timeout);
    const old = this.deadlineOf.get(key);
    if (old === deadline) return;
    if (old !== undefined) this.buckets.get(old)?.delete(key);
    this.deadlineOf.set(key, deadline);
    let bucket = this.buckets.get(deadline);
    if (!bucket) this.buckets.set(deadline, (bucket = new Set()));
    bucket.add(key);
  }

  remove(key: K): void {
    const old = this.deadlineOf.get(key);
    if (old === undefined) return;
    this.buckets.get(old)?.delete(key);
    this.deadlineOf.delete(key);
  }

  has(key: K): boolean {
    return this.deadlineOf.has(key);
  }

  /** Removes and returns every key whose deadline is at or before `now`. */
  expire(now: number): K[] {
    const out: K[] = [];
    while (this.nextDue <= now) {
      const bucket = this.buckets.get(this.nextDue);
      if (bucket) {
        this.buckets.delete(this.nextDue);
        for (const k of bucket) {
          this.deadlineOf.delete(k);
          out.push(k);
        }
      }
      this.nextDue += this.interval;
    }
    return out;
  }

  get size(): number {
    return this.deadlineOf.size;
  }

  private roundUp(t: number): number {
    return (Math.floor(t / this.interval) + 1) * this.interval;
  }
}
