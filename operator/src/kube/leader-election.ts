// Lease-based leader election (coordination.k8s.io/v1), as client-go's leaderelection package does it, so two
// operator replicas can run and only one acts. Writes are optimistic (resourceVersion), and expiry is judged
// by when this candidate last *saw the lease change*, never by comparing its clock with the holder's renewTime,
// so clock skew between nodes cannot make two leaders. A leader that cannot renew within renewDeadline stops
// leading (the caller exits; its Deployment restarts it as a candidate).
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { systemClock, type Clock } from './work-queue.js';

export interface LeaseRecord {
  holder: string;
  durationSeconds: number;
  acquireTime?: number;
  renewTime?: number;
  transitions: number;
  /** Opaque version for optimistic concurrency; undefined when the lease does not exist. */
  version?: string;
}

/** Storage of one lease: `update` must fail when `version` is stale; both writes return the new version. */
export interface LeaseStore {
  get(): Promise<LeaseRecord | undefined>;
  create(record: LeaseRecord): Promise<string | undefined>;
  update(record: LeaseRecord): Promise<string | undefined>;
}

export interface ElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** client-go's defaults. */
export const DEFAULT_TIMING: ElectionTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface ElectionCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observed: LeaseRecord | undefined;
  private observedAt = 0;
  private lastRenew = 0;

  constructor(
    private readonly store: LeaseStore,
    private readonly identity: string,
    private readonly callbacks: ElectionCallbacks,
    private readonly timing: ElectionTiming = DEFAULT_TIMING,
    private readonly clock: Clock = systemClock,
    private readonly log?: { info(d: object, m: string): void; warn(d: object, m: string): void },
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.round();
  }

  /** Stops campaigning; a leader hands the lease back so the next replica need not wait out the duration. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    const current = this.observed;
    if (current?.holder === this.identity) {
      await this.store.update({ ...current, holder: '', durationSeconds: 1, renewTime: this.clock.now() }).catch(() => {});
    }
  }

  /** One attempt to acquire or renew; public for tests. Returns whether this candidate holds the lease now. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const current = await this.store.get();
    const mine: LeaseRecord = {
      holder: this.identity,
      durationSeconds: Math.ceil(this.timing.leaseDurationMs / 1000),
      renewTime: now,
      acquireTime: now,
      transitions: 0,
    };
    if (current === undefined) {
      this.remember({ ...mine, version: await this.store.create(mine) }, now);
      return true;
    }
    if (current.version !== this.observed?.version) this.remember(current, now);
    const held = current.holder !== '' && current.holder !== this.identity;
    if (held && now - this.observedAt < current.durationSeconds * 1000) return false;
    const next: LeaseRecord =
      current.holder === this.identity
        ? { ...current, renewTime: now, durationSeconds: mine.durationSeconds }
        : { ...mine, transitions: current.transitions + 1, version: current.version };
    this.remember({ ...next, version: await this.store.update(next) }, now);
    return true;
  }

  private remember(record: LeaseRecord, at: number): void {
    this.observed = record;
    this.observedAt = at;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log?.warn({ err: String(err) }, 'lease acquire/renew failed');
    }
    if (this.stopped) return;
    const now = this.clock.now();
    if (held) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.log?.info({ identity: this.identity }, 'became leader');
        this.callbacks.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew >= this.timing.renewDeadlineMs) {
      this.leading = false;
      this.log?.warn({ identity: this.identity }, 'lost leadership: could not renew the lease in time');
      this.callbacks.onStoppedLeading();
      return;
    }
    this.clock.setTimeout(() => void this.round(), this.timing.retryPeriodMs);
  }
}

/** A LeaseStore on the Kubernetes API. */
export function kubernetesLeaseStore(api: CoordinationV1Api, namespace: string, name: string): LeaseStore {
  const toLease = (r: LeaseRecord): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(r.version ? { resourceVersion: r.version } : {}) },
    spec: {
      holderIdentity: r.holder,
      leaseDurationSeconds: r.durationSeconds,
      leaseTransitions: r.transitions,
      ...(r.acquireTime !== undefined ? { acquireTime: new V1MicroTime(r.acquireTime) } : {}),
      ...(r.renewTime !== undefined ? { renewTime: new V1MicroTime(r.renewTime) } : {}),
    },
  });
  return {
    async get() {
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        const s = lease.spec ?? {};
        return {
          holder: s.holderIdentity ?? '',
          durationSeconds: s.leaseDurationSeconds ?? 15,
          transitions: s.leaseTransitions ?? 0,
          ...(s.acquireTime ? { acquireTime: new Date(s.acquireTime).getTime() } : {}),
          ...(s.renewTime ? { renewTime: new Date(s.renewTime).getTime() } : {}),
          ...(lease.metadata?.resourceVersion ? { version: lease.metadata.resourceVersion } : {}),
        };
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    },
    async create(r) {
      return (await api.createNamespacedLease({ namespace, body: toLease(r) })).metadata?.resourceVersion;
    },
    async update(r) {
      return (await api.replaceNamespacedLease({ name, namespace, body: toLease(r) })).metadata?.resourceVersion;
    },
  };
}
