// An informer that stays alive. client-node's informer stops for good on any error other than 410 Gone, and its
// users report watches that stall silently after a while (client-node issues #364, #596, #958). This wrapper
// restarts it with backoff after an error and re-establishes the watch on a fixed period, so a stalled
// connection costs at most one period; the cache is kept across restarts (a restart re-lists only when the
// server says the resource version is gone), so a restart never shows the reconciler an empty world.
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { DEFAULT_BACKOFF, systemClock, type Backoff, type Clock } from './work-queue.js';

export interface WatchLog {
  warn(details: object, msg: string): void;
  debug(details: object, msg: string): void;
}

export interface WatchOptions<T extends KubernetesObject> {
  /** API path of the collection, e.g. /api/v1/pods. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** Called for every add, update and delete, and for every object again on each re-list. */
  onChange: (obj: T) => void;
  /** How often the watch is re-established even without an error. */
  rewatchMs?: number;
  backoff?: Backoff;
  clock?: Clock;
  log: WatchLog;
}

/** Ten minutes: shorter than the stalls users report, long enough that re-watching costs nothing noticeable. */
export const DEFAULT_REWATCH_MS = 10 * 60_000;

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private failures = 0;
  private stopped = false;
  /** Bumped by every deliberate restart, so the abort it causes is not taken for a failure. */
  private epoch = 0;
  private synced = false;
  private syncWaiters: Array<() => void> = [];

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: WatchOptions<T>,
  ) {
    this.informer = makeInformer<T>(kubeConfig, options.path, options.list, options.labelSelector);
    this.informer.on('change', options.onChange);
    this.informer.on('connect', () => {
      this.failures = 0;
    });
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.restart('start');
    this.scheduleRewatch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.epoch++;
    await this.informer.stop();
  }

  /** Resolves once the first list has filled the cache. */
  hasSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  private async restart(why: string): Promise<void> {
    if (this.stopped) return;
    const epoch = ++this.epoch;
    this.options.log.debug({ path: this.options.path, why }, 'watch (re)started');
    await this.informer.stop();
    if (epoch !== this.epoch || this.stopped) return;
    try {
      await this.informer.start();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (!this.synced && epoch === this.epoch) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    const epoch = this.epoch;
    this.failures++;
    const { baseMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    const delay = Math.min(maxMs, baseMs * 2 ** (this.failures - 1));
    this.options.log.warn({ path: this.options.path, err: String(err), retryInMs: delay }, 'watch failed; restarting');
    this.clock.setTimeout(() => {
      if (epoch === this.epoch) void this.restart('error');
    }, delay);
  }

  private scheduleRewatch(): void {
    this.clock.setTimeout(() => {
      if (this.stopped) return;
      void this.restart('period').finally(() => this.scheduleRewatch());
    }, this.options.rewatchMs ?? DEFAULT_REWATCH_MS);
  }
}
