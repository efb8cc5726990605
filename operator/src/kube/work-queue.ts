// A keyed work queue as controllers use it: a key queued twice runs once, a key never runs twice at the same
// time (an event that arrives while it runs queues it again for afterwards), failures back off per key, and a
// key can ask to be looked at again later. Level-triggered reconcilers need nothing more: the key says which
// object to look at, never what changed.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?(): void } | unknown;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
};

export interface Backoff {
  /** First retry delay after a failure. */
  baseMs: number;
  /** Ceiling: an object that keeps failing is still looked at this often. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, maxMs: 60_000 };

/** What a handler returns: `requeueAfterMs` asks to be run again after that long even if nothing changes. */
export interface Outcome {
  requeueAfterMs?: number;
}

export type Handler = (key: string) => Promise<Outcome | void>;

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly running = new Set<string>();
  /** Keys that were added while they ran: they go back in the queue when that run ends. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** The earliest time a delayed add for the key will fire; a later one is dropped as redundant. */
  private readonly delayed = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handler: Handler,
    private readonly options: { workers?: number; backoff?: Backoff; clock?: Clock; onError?: (key: string, err: unknown) => void } = {},
  ) {}

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending !== undefined && pending <= at) return;
    this.delayed.set(key, at);
    this.clock.setTimeout(() => {
      if (this.delayed.get(key) !== at) return;
      this.delayed.delete(key);
      this.add(key);
    }, ms);
  }

  /** Keys waiting or running. */
  get depth(): number {
    return this.queued.size + this.running.size;
  }

  stop(): void {
    this.stopped = true;
    this.order.length = 0;
    this.queued.clear();
    this.delayed.clear();
  }

  /** Resolves once nothing is queued or running (tests, and a clean shutdown). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const workers = this.options.workers ?? 1;
    while (!this.stopped && this.active < workers && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    let retryAfter: number | undefined;
    try {
      const outcome = await this.handler(key);
      this.failures.delete(key);
      retryAfter = outcome?.requeueAfterMs;
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const { baseMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
      retryAfter = Math.min(maxMs, baseMs * 2 ** (n - 1));
      this.options.onError?.(key, err);
    } finally {
      this.running.delete(key);
      this.active--;
    }
    if (this.dirty.delete(key)) this.add(key);
    else if (retryAfter !== undefined) this.addAfter(key, retryAfter);
    this.pump();
    if (this.depth === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
