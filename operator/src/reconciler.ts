// observe → plan → act → record, for one cluster at a time. The reconciler holds no state the plan depends on:
// everything comes from the informers' caches and the members' answers, so a restart anywhere converges.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { API_GROUP, API_VERSION, KIND, PLURAL, withDefaults, type CoordinationCluster } from './api/index.js';
import { act } from './act/act.js';
import { EnsembleSession } from './act/ensemble.js';
import { isConflict, isNotFound, KubeClient } from './kube/client.js';
import type { EventSink } from './kube/events.js';
import { WorkQueue } from './kube/work-queue.js';
import { allCaches, clusterKey, makeCaches, type Caches } from './observe/caches.js';
import { probeMember } from './observe/probe.js';
import { observe, observedPod } from './observe/snapshot.js';
import { configMapName, membersServiceName } from './plan/names.js';
import { plan } from './plan/plan.js';
import { needsAPerson } from './plan/status.js';
import type { ObjectKind, Plan, Probe, Quota } from './plan/types.js';
import { desiredCluster } from './render/desired.js';
import { LABEL } from './render/labels.js';
import { superSecretName, SUPER_PASSWORD_KEY } from './render/objects.js';

export interface Log {
  info(details: object, msg: string): void;
  warn(details: object, msg: string): void;
  error(details: object, msg: string): void;
  debug(details: object, msg: string): void;
}

function metrics(registry: Registry) {
  return {
    reconciles: new Counter({ name: 'corral_operator_reconciles_total', help: 'Reconciles by result.', labelNames: ['result'], registers: [registry] }),
    duration: new Histogram({ name: 'corral_operator_reconcile_duration_seconds', help: 'Time one reconcile took.', registers: [registry] }),
    actions: new Counter({ name: 'corral_operator_actions_total', help: 'Actions carried out, by kind and result.', labelNames: ['kind', 'result'], registers: [registry] }),
    readyMembers: new Gauge({ name: 'corral_operator_cluster_ready_members', help: 'Ready members per cluster.', labelNames: ['namespace', 'cluster'], registers: [registry] }),
  };
}

export class Reconciler {
  private readonly kube: KubeClient;
  private readonly caches: Caches;
  private readonly queue: WorkQueue;
  private readonly sessions = new Map<string, EnsembleSession>();
  private readonly m;
  private synced = false;

  constructor(
    config: KubeConfig,
    private readonly events: EventSink,
    private readonly log: Log,
    registry: Registry,
    options: { namespace?: string } = {},
  ) {
    this.kube = new KubeClient(config);
    this.m = metrics(registry);
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      onError: (key, err) => this.log.warn({ cluster: key, err: String(err) }, 'reconcile failed; retrying with backoff'),
    });
    // Events from the first lists are dropped: a cluster planned while some caches are still empty would see its
    // objects as missing. start() queues every cluster once all caches are filled.
    const enqueue = (key: string) => {
      if (this.synced) this.queue.add(key);
    };
    this.caches = makeCaches(config, {
      ...options,
      log: this.log,
      enqueue,
      onNode: (node) => {
        for (const pod of this.caches.pods.list()) {
          const cluster = pod.metadata?.labels?.[LABEL.cluster];
          if (cluster && pod.spec?.nodeName === node.metadata?.name) enqueue(clusterKey(pod.metadata!.namespace!, cluster));
        }
      },
    });
  }

  async start(): Promise<void> {
    await Promise.all(allCaches(this.caches).map((c) => c.start()));
    await Promise.all(allCaches(this.caches).map((c) => c.hasSynced()));
    this.synced = true;
    for (const cc of this.caches.clusters.list()) this.queue.add(clusterKey(cc.metadata.namespace!, cc.metadata.name!));
  }

  get isSynced(): boolean {
    return this.synced;
  }

  async stop(): Promise<void> {
    this.queue.stop();
    await Promise.all(allCaches(this.caches).map((c) => c.stop()));
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  private session(cc: CoordinationCluster): EnsembleSession {
    const key = clusterKey(cc.metadata.namespace!, cc.metadata.name!);
    let s = this.sessions.get(key);
    if (!s) {
      s = new EnsembleSession(cc.metadata.name!, cc.metadata.namespace!, () => this.password(cc));
      this.sessions.set(key, s);
    }
    return s;
  }

  private async password(cc: CoordinationCluster): Promise<string> {
    const secret = this.caches.secrets.get(superSecretName(cc.metadata.name!), cc.metadata.namespace);
    const encoded = secret?.data?.[SUPER_PASSWORD_KEY];
    if (!encoded) throw new Error(`secret ${superSecretName(cc.metadata.name!)} has no ${SUPER_PASSWORD_KEY} yet`);
    return Buffer.from(encoded, 'base64').toString('utf8');
  }

  /** The cluster's objects from the caches (only those it owns by label). */
  private owned<T extends { metadata?: { labels?: Record<string, string> } }>(list: readonly T[], cluster: string): T[] {
    return list.filter((o) => o.metadata?.labels?.[LABEL.cluster] === cluster);
  }

  private async reconcile(key: string): Promise<{ requeueAfterMs: number } | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cc = this.caches.clusters.get(name, namespace);
    if (!cc) {
      await this.sessions.get(key)?.close();
      this.sessions.delete(key);
      this.m.readyMembers.remove({ namespace, cluster: name });
      return;
    }
    const end = this.m.duration.startTimer();
    try {
      const result = await this.reconcileCluster(cc);
      this.m.reconciles.inc({ result: 'ok' });
      return result;
    } catch (err) {
      this.m.reconciles.inc({ result: 'error' });
      throw err;
    } finally {
      end();
    }
  }

  private async reconcileCluster(cc: CoordinationCluster): Promise<{ requeueAfterMs: number }> {
    const name = cc.metadata.name!;
    const namespace = cc.metadata.namespace!;
    const pods = this.owned(this.caches.pods.list(namespace), name);
    const pvcs = this.owned(this.caches.pvcs.list(namespace), name);
    const byName = <T>(cache: { get(n: string, ns?: string): T | undefined }, n: string) => cache.get(n, namespace);
    const objects: Partial<Record<ObjectKind, { metadata?: { annotations?: Record<string, string> } }>> = {};
    const present = {
      membersService: byName(this.caches.services, membersServiceName(name)),
      clientService: byName(this.caches.services, name),
      superSecret: byName(this.caches.secrets, superSecretName(name)),
      podDisruptionBudget: byName(this.caches.pdbs, name),
    };
    for (const [kind, object] of Object.entries(present)) if (object && this.owned([object], name).length) objects[kind as ObjectKind] = object;
    const configRevisions = this.owned(this.caches.configMaps.list(namespace), name).flatMap((c) => {
      const rev = c.metadata?.labels?.[LABEL.configRevision];
      return rev && c.metadata?.name === configMapName(name, rev) ? [rev] : [];
    });
    const nodes = (n: string) => this.caches.nodes.get(n);

    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    const probes: Probe[] = await Promise.all(
      live.flatMap((p) => {
        const o = observedPod(p, nodes);
        return o ? [probeMember(o.serverId, o.podIP)] : [];
      }),
    );
    const desired = desiredCluster(cc);
    const session = this.session(cc);
    const podIPs = live.flatMap((p) => (p.status?.podIP ? [p.status.podIP] : []));
    let quotas: Quota[] | undefined;
    const wantsQuotas = desired.quotas.length > 0 || (cc.status?.quotaPaths?.length ?? 0) > 0;
    if (wantsQuotas && probes.some((p) => p.answered && (p.state === 'leader' || p.state === 'follower'))) {
      quotas = await session.readQuotas(podIPs).catch((err) => {
        this.log.debug({ cluster: name, err: String(err) }, 'could not read quotas');
        return undefined;
      });
    }
    const observed = observe({ cluster: cc, pods, pvcs, objects, configRevisions, nodes }, probes, quotas);
    const next = plan(desired, observed, new Date());
    await this.carryOut(cc, next, pods, session);
    await this.record(cc, next);
    this.m.readyMembers.set({ namespace, cluster: name }, next.status.members.filter((m) => m.ready).length);
    return { requeueAfterMs: next.requeueAfterSeconds * 1000 };
  }

  private async carryOut(cc: CoordinationCluster, next: Plan, pods: V1Pod[], ensemble: EnsembleSession): Promise<void> {
    const byId = new Map(pods.flatMap((p) => {
      const id = Number(p.metadata?.labels?.[LABEL.serverId]);
      return Number.isInteger(id) ? [[id, p] as const] : [];
    }));
    const ctx = { kube: this.kube, cluster: cc, spec: withDefaults(cc.spec), pods: byId, ensemble, password: () => this.password(cc) };
    for (const action of next.actions) {
      try {
        const reported = await act(action, ctx);
        const message = reported ? `${action.reason}: ${reported}` : action.reason;
        this.m.actions.inc({ kind: action.kind, result: 'ok' });
        this.log.info({ cluster: cc.metadata.name, namespace: cc.metadata.namespace, action: action.kind, reason: message }, 'acted');
        // A quorum recovery may have cost writes: a person must know.
        await this.event(cc, action.kind === 'recoverQuorum' ? 'Warning' : 'Normal', reasonOf(action.kind), message);
      } catch (err) {
        this.m.actions.inc({ kind: action.kind, result: 'error' });
        await this.event(cc, 'Warning', `${reasonOf(action.kind)}Failed`, `${action.reason}: ${(err as Error).message}`);
        throw err;
      }
    }
    for (const wait of next.waits) await this.event(cc, needsAPerson(wait.reason) ? 'Warning' : 'Normal', wait.reason, wait.message);
  }

  private async record(cc: CoordinationCluster, next: Plan): Promise<void> {
    // The planner stamps lastTransitionTime only when a condition changes, so an unchanged status compares equal.
    if (JSON.stringify(cc.status ?? {}) === JSON.stringify(next.status)) return;
    // Written only over the status the plan started from: right after a status write, a reconcile woken by another
    // watch event may still see the previous status in the cache, and its plan must not overwrite what the last one
    // recorded (a recovery's survivor and zxid, the quotas the operator manages). A conflict is no failure: the
    // newer object's watch event queues the cluster again, and that plan starts from it (no back-off).
    const { name, namespace, resourceVersion } = cc.metadata;
    try {
      await this.kube.applyStatus({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name, namespace, resourceVersion }, status: next.status }, PLURAL);
    } catch (err) {
      if (isConflict(err)) this.log.debug({ cluster: name, namespace }, 'status changed since this plan was made; planning again from the newer one');
      // Removing the finalizer lets a deleted cluster go: there is no status left to record.
      else if (!isNotFound(err)) throw err;
    }
  }

  private async event(cc: CoordinationCluster, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.events.record(cc, type, reason, message).catch((err) => this.log.debug({ err: String(err) }, 'could not record an event'));
  }
}

/** Event reasons are CamelCase: createPod → CreatePod. */
const reasonOf = (kind: string) => kind[0]!.toUpperCase() + kind.slice(1);
