/**
 * Restart back-off as the kubelet keeps it (its flowcontrol.Backoff, keyed per pod and container): the first
 * restart after a crash is immediate, each later one waits twice as long as the one before (10 s, 20 s, 40 s …
 * up to a cap), and a container that stayed up for twice the cap starts over from the initial delay.
 * Also used for image pulls (ImagePullBackOff). Times are milliseconds; `now` comes from the caller.
 */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  /**
   * Milliseconds still to wait before `key` may restart, given it last stopped at `since`; 0 means go now.
   * Mirrors IsInBackOffSince: nothing recorded, or the record has expired, means no wait.
   */
  remaining(key: string, since: number, now: number): number {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, now)) return 0;
    return Math.max(0, entry.delayMs - (now - since));
  }

  /** Records a restart of `key` for a stop at `since`, doubling the delay the next stop will cost. */
  next(key: string, since: number): number {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, since)) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: since });
      return this.initialMs;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.maxMs);
    entry.lastUpdate = since;
    return entry.delayMs;
  }

  /** The delay the next restart of `key` would wait (for messages such as "back-off 20s"). */
  currentDelay(key: string): number {
    return this.entries.get(key)?.delayMs ?? this.initialMs;
  }

  forget(keyPrefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(keyPrefix)) this.entries.delete(key);
  }

  private expired(entry: { lastUpdate: number }, now: number): boolean {
    return now - entry.lastUpdate > 2 * this.maxMs;
  }
}
