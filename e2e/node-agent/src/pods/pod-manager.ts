import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { WatchCache } from '../kube/watch-cache.js';
import { instanceFilter, labels } from '../runtime/labels.js';
import type { ListedContainer } from '../runtime/podman.js';
import type { PodContext } from './context.js';
import { PodWorker } from './pod-worker.js';

/**
 * Routes pods bound to the agent's nodes to one worker each (by UID), adopts containers a previous agent
 * left behind, removes containers whose pod no longer exists, and resyncs every pod periodically (volume
 * contents, token refresh, retries).
 */
export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  private adoptable = new Map<string, ListedContainer[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: PodContext,
    private readonly pods: WatchCache<V1Pod>,
    private readonly resyncMs = 10_000,
  ) {}

  /** Call after the pod cache has its first list. */
  async start(): Promise<void> {
    const existing = await this.ctx.podman.list(instanceFilter(this.ctx.instance));
    for (const c of existing) {
      const uid = c.Labels?.[labels.podUid];
      if (uid) this.adoptable.set(uid, [...(this.adoptable.get(uid) ?? []), c]);
    }
    this.pods.onChange((kind, pod) => this.route(kind === 'delete', pod));
    for (const pod of this.pods.list()) this.route(false, pod);
    await this.removeOrphans(existing);
    this.removeStaleDirectories();
    this.adoptable.clear();
    this.ctx.nodes.onModeChange((node) => {
      for (const w of this.workers.values()) if (w.nodeName === node) w.kick();
    });
    this.timer = setInterval(() => this.resync(), this.resyncMs);
  }

  /** Something changed for this pod's containers in podman. */
  containersChanged(podUid: string): void {
    this.workers.get(podUid)?.kick();
  }

  /** A ConfigMap, Secret or claim changed: pods of that namespace may mount it. */
  namespaceChanged(namespace: string | undefined): void {
    for (const w of this.workers.values()) if (namespace === undefined || w.namespace === namespace) w.kick();
  }

  /** Agent shutdown: stop all work; containers stay (to be adopted) unless the caller removes them. */
  stop(): void {
    clearInterval(this.timer);
    for (const w of this.workers.values()) w.detach();
    this.workers.clear();
  }

  get size(): number {
    return this.workers.size;
  }

  private route(deleted: boolean, pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const mine = this.ctx.nodes.get(pod.spec?.nodeName) !== undefined;
    const worker = this.workers.get(uid);
    if (deleted || !mine) {
      worker?.gone();
      return;
    }
    if (worker) {
      worker.update(pod);
      return;
    }
    const created = new PodWorker(this.ctx, pod, this.adoptable.get(uid) ?? [], (done) => this.workers.delete(done));
    this.workers.set(uid, created);
    created.kick();
  }

  /**
   * The watch reports a pod replaced under the same name (a StatefulSet's) as an update, and a re-list
   * drops vanished pods by name only: compare UIDs with the cache to catch workers whose pod is gone.
   */
  private resync(): void {
    const present = new Set(this.pods.list().map((p) => p.metadata?.uid));
    for (const [uid, w] of this.workers) {
      if (present.has(uid)) w.kick();
      else w.gone();
    }
    for (const pod of this.pods.list()) if (!this.workers.has(pod.metadata?.uid ?? '')) this.route(false, pod);
  }

  /** Directories of pods deleted while no agent ran (hosts files, volumes) are left over: remove them. */
  private removeStaleDirectories(): void {
    for (const uid of readdirSync(this.ctx.podsDir)) {
      if (!this.workers.has(uid)) rmSync(join(this.ctx.podsDir, uid), { recursive: true, force: true });
    }
  }

  private async removeOrphans(existing: ListedContainer[]): Promise<void> {
    const orphans = existing.filter((c) => !this.workers.has(c.Labels?.[labels.podUid] ?? ''));
    if (orphans.length === 0) return;
    this.ctx.log.info({ containers: orphans.map((c) => c.Names[0]) }, 'removing containers of pods that no longer exist');
    await this.ctx.podman.remove(orphans.map((c) => c.Id));
  }
}
