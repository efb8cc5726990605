import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { WatchCache } from '../kube/watch-cache.js';
import { dnsNames, renderHosts, type DnsName, type HostsOwner, type PodRecord, type ServiceRecord } from './hosts.js';

/**
 * Keeps the hosts file of every local pod current as pods and Services change. Files are rewritten in place
 * (same inode): each is bind-mounted into its containers as a single file, and a rename would leave the
 * containers looking at the old one.
 */
export class HostsFiles {
  private readonly owners = new Map<string, { owner: HostsOwner; path: string }>();
  private names: DnsName[] = [];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly pods: WatchCache<V1Pod>,
    private readonly services: WatchCache<V1Service>,
    private readonly log: Logger,
  ) {
    const changed = () => this.scheduleRefresh();
    pods.onChange(changed);
    services.onChange(changed);
  }

  /** Registers a local pod's hosts file and writes it. */
  write(podUid: string, owner: HostsOwner, path: string): void {
    this.owners.set(podUid, { owner, path });
    this.names = this.computeNames();
    this.writeOne(owner, path);
  }

  forget(podUid: string): void {
    this.owners.delete(podUid);
  }

  private scheduleRefresh(): void {
    if (this.pending) return;
    // Coalesce bursts (a rollout changes many pods at once) into one pass over the files.
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.names = this.computeNames();
      for (const { owner, path } of this.owners.values()) this.writeOne(owner, path);
    }, 100);
  }

  private computeNames(): DnsName[] {
    const pods: PodRecord[] = this.pods
      .list()
      .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
      .map((p) => ({
        namespace: p.metadata?.namespace ?? '',
        labels: p.metadata?.labels ?? {},
        hostname: p.spec?.hostname,
        subdomain: p.spec?.subdomain,
        ip: p.status?.podIP,
        ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        terminating: Boolean(p.metadata?.deletionTimestamp),
      }));
    const services: ServiceRecord[] = this.services.list().map((s) => ({
      namespace: s.metadata?.namespace ?? '',
      name: s.metadata?.name ?? '',
      selector: s.spec?.selector,
      headless: s.spec?.clusterIP === 'None',
      publishNotReadyAddresses: s.spec?.publishNotReadyAddresses ?? false,
    }));
    return dnsNames(pods, services);
  }

  private writeOne(owner: HostsOwner, path: string): void {
    const text = renderHosts(owner, this.names);
    try {
      if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
      writeFileSync(path, text);
    } catch (err) {
      this.log.warn({ path, err: (err as Error).message }, 'could not write hosts file');
    }
  }
}
