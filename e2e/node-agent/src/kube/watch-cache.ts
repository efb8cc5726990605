import { Watch, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Kube } from './api.js';

export type ChangeKind = 'add' | 'update' | 'delete';

/**
 * A list+watch cache of one resource. Written here rather than taken from the client library's informer,
 * which stops for good on any error but 410 Gone and cannot tell its own aborted watches from failures.
 * One watch at a time: the server ends each after `watchSeconds` (and a client-side timer aborts one that
 * went silent longer than that), then it resumes from the last resourceVersion, re-listing after 410 Gone.
 * Objects from a list are the library's typed objects (Date fields), from a watch plain JSON (strings):
 * readers accept both.
 */
export class WatchCache<T extends KubernetesObject> {
  private readonly objects = new Map<string, T>();
  private readonly listeners: ((kind: ChangeKind, obj: T) => void)[] = [];
  private readonly watch: Watch;
  private resourceVersion = '';
  private stopped = false;
  private current: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    kube: Kube,
    private readonly path: string,
    private readonly listFn: () => Promise<KubernetesListObject<T>>,
    private readonly log: Logger,
    private readonly watchSeconds = 120,
  ) {
    this.watch = new Watch(kube.config);
  }

  /** Resolves once the first list is in the cache; retries until then. */
  async start(): Promise<void> {
    for (;;) {
      try {
        await this.relist();
        break;
      } catch (err) {
        this.log.warn({ path: this.path, err: (err as Error).message }, 'list failed; retrying');
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
    void this.startWatch();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.current?.abort();
  }

  onChange(listener: (kind: ChangeKind, obj: T) => void): void {
    this.listeners.push(listener);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(key(namespace, name));
  }

  list(namespace?: string): T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  private async relist(): Promise<void> {
    const list = await this.listFn();
    const seen = new Set<string>();
    for (const item of list.items) {
      const k = key(item.metadata?.namespace, item.metadata?.name ?? '');
      seen.add(k);
      this.apply(this.objects.has(k) ? 'update' : 'add', item);
    }
    for (const [k, obj] of [...this.objects]) if (!seen.has(k)) this.apply('delete', obj);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  private apply(kind: ChangeKind, obj: T): void {
    const k = key(obj.metadata?.namespace, obj.metadata?.name ?? '');
    const before = this.objects.get(k);
    if (kind === 'delete') this.objects.delete(k);
    else {
      if (before && before.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
      this.objects.set(k, obj);
    }
    for (const listener of this.listeners) {
      try {
        listener(kind, obj);
      } catch (err) {
        this.log.error({ path: this.path, err }, 'watch listener failed');
      }
    }
  }

  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    let finished!: (err: unknown) => void;
    const ended = new Promise<unknown>((resolve) => (finished = resolve));
    try {
      this.current = await this.watch.watch(
        this.path,
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.watchSeconds },
        (type: string, obj: T & { code?: number }) => {
          if (type === 'ERROR') {
            if (obj.code === 410) gone = true;
            return;
          }
          if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
          if (type === 'ADDED') this.apply('add', obj);
          else if (type === 'MODIFIED') this.apply('update', obj);
          else if (type === 'DELETED') this.apply('delete', obj);
        },
        (err: unknown) => finished(err),
      );
    } catch (err) {
      finished(err);
    }
    // A watch that outlives the server's own timeout has gone silent: abort it and start over.
    const watchdog = setTimeout(() => this.current?.abort(), (this.watchSeconds + 30) * 1000);
    const err = (await ended) as { statusCode?: number; name?: string; message?: string } | null;
    clearTimeout(watchdog);
    if (this.stopped) return;
    if (gone || err?.statusCode === 410) this.resourceVersion = '';
    const failed = err && err.name !== 'AbortError';
    if (failed) this.log.warn({ path: this.path, err: err.message ?? String(err) }, 'watch failed; resuming');
    this.retryTimer = setTimeout(() => void this.resume(), failed ? 2_000 : 0);
  }

  private async resume(): Promise<void> {
    if (this.stopped) return;
    if (!this.resourceVersion) {
      try {
        await this.relist();
      } catch (err) {
        this.log.warn({ path: this.path, err: (err as Error).message }, 'relist failed; retrying');
        this.retryTimer = setTimeout(() => void this.resume(), 2_000);
        return;
      }
    }
    void this.startWatch();
  }
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
