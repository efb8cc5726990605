/**
 * The hosts file every container gets at /etc/hosts: the test bed's stand-in for cluster DNS. EndpointSlices
 * refuse loopback addresses, so names are worked out here from pods and Services, with the endpoint rules
 * CoreDNS would follow: a Service lists the pods its selector matches that are ready (all of them when it
 * publishes not-ready addresses), and a headless Service also names each such pod that sets
 * `hostname` and `subdomain: <service>`.
 */

export interface PodRecord {
  namespace: string;
  labels: Record<string, string>;
  hostname?: string;
  subdomain?: string;
  ip?: string;
  ready: boolean;
  terminating: boolean;
}

export interface ServiceRecord {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
  headless: boolean;
  publishNotReadyAddresses: boolean;
}

/** One address record: `relative` is the name under `<namespace>.svc.<cluster domain>`. */
export interface DnsName {
  ip: string;
  namespace: string;
  relative: string;
}

export function dnsNames(pods: PodRecord[], services: ServiceRecord[]): DnsName[] {
  const names: DnsName[] = [];
  for (const svc of services) {
    const selector = Object.entries(svc.selector ?? {});
    if (selector.length === 0) continue; // endpoints of selector-less Services are managed by hand: not ours to guess
    for (const pod of pods) {
      if (pod.namespace !== svc.namespace || !pod.ip) continue;
      if (!selector.every(([k, v]) => pod.labels[k] === v)) continue;
      if (!svc.publishNotReadyAddresses && (!pod.ready || pod.terminating)) continue;
      names.push({ ip: pod.ip, namespace: svc.namespace, relative: svc.name });
      if (svc.headless && pod.hostname && pod.subdomain === svc.name) {
        names.push({ ip: pod.ip, namespace: svc.namespace, relative: `${pod.hostname}.${svc.name}` });
      }
    }
  }
  return names.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.relative, b.relative) || compareIp(a.ip, b.ip));
}

export interface HostsOwner {
  ip: string;
  hostname: string;
  subdomain?: string;
  namespace: string;
}

/**
 * The file for one pod. Without a search path, every form a resolver would complete is written out: the full
 * name, `.svc`, `.<namespace>`, and the bare relative name for the pod's own namespace.
 */
export function renderHosts(owner: HostsOwner, names: DnsName[], domain = 'cluster.local'): string {
  const lines = [
    '# Managed by the Corral test bed node agent (stands in for cluster DNS); rewritten in place.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
  ];
  const own = owner.subdomain
    ? [`${owner.hostname}.${owner.subdomain}.${owner.namespace}.svc.${domain}`, owner.hostname]
    : [owner.hostname];
  lines.push(`${owner.ip}\t${own.join(' ')}`);
  for (const name of names) {
    const forms = [`${name.relative}.${name.namespace}.svc.${domain}`, `${name.relative}.${name.namespace}.svc`, `${name.relative}.${name.namespace}`];
    if (name.namespace === owner.namespace) forms.push(name.relative);
    lines.push(`${name.ip}\t${forms.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}
